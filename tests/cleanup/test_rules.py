"""Each kind of record goes when it is over and stays while it is live; the edges of each rule
(requests still at work, the hourly cap of codes, clock skew, a blocked counter, retention)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.cleanup import SETTLING
from idp.models import (
    AuditEvent,
    AuthorizationCode,
    AuthorizationRequest,
    ClientAssertion,
    Delivery,
    FailureCounter,
    JobAttempt,
    NotificationEmailChange,
    OtpChallenge,
    PasswordResetToken,
    RefreshRetry,
    SsoSession,
    Token,
)

from ..helpers import audit_events
from . import records as r

YEAR = timedelta(days=365)


# kind, model, a factory of one row ending at a moment (for sessions: ended then, or live)
KINDS = [
    ("authorization_requests", AuthorizationRequest,
     lambda o, ends: r.authorization_request(o.client, ends)),
    ("authorization_codes", AuthorizationCode, lambda o, ends: r.code(o.client, o.user, ends)),
    ("tokens", Token, lambda o, ends: r.token(o.client, o.user, r._hex(),
                                              ends - timedelta(seconds=600))),
    ("client_assertions", ClientAssertion, lambda o, ends: r.client_assertion(o.client, ends)),
    ("otp_challenges", OtpChallenge, lambda o, ends: r.challenge(o.user, ends)),
    ("password_reset_tokens", PasswordResetToken, lambda o, ends: r.password_link(o.user, ends)),
    ("notification_email_changes", NotificationEmailChange,
     lambda o, ends: r.address_link(o.user, ends)),
    ("failure_counters", FailureCounter,
     lambda o, ends: r.failure_counter(ends - timedelta(days=1))),
    ("sso_sessions", SsoSession,
     lambda o, ends: r.sso_session(o.user, r.ago(hours=3) if ends < r.ago() else r.ago(),
                                   ended=ends if ends < r.ago() else None)),
    ("audit_events", AuditEvent, lambda o, ends: r.audit_event(ends - YEAR)),
    ("deliveries", Delivery, lambda o, ends: r.delivery(o.user, ends - YEAR)),
    ("job_attempts", JobAttempt, lambda o, ends: r.job_attempt(ends - YEAR)),
]


@pytest.mark.parametrize(("kind", "model", "make"), KINDS, ids=[k[0] for k in KINDS])
def test_a_record_over_goes_and_a_live_one_stays(app, owners, kind, model, make):
    over, live = r.add(app, make(owners, r.ago(hours=2)), make(owners, r.ahead(minutes=10)))

    removed = r.cleanup(app)

    assert removed[kind] == 1
    key = model.__mapper__.primary_key[0]
    assert r.count(app, model, key == over) == 0
    assert r.count(app, model, key == live) == 1


def test_a_retry_record_goes_after_its_grace_and_stays_within_it(app, owners):
    first, successor = r.add(app, *(
        r.token(owners.client, owners.user, "family", r.ago(minutes=1),
                refresh_ends=r.ahead(hours=8)) for _ in range(2)))
    r.add(app, r.refresh_retry(first, successor, r.ago(hours=2)))

    assert r.cleanup(app)["refresh_retries"] == 1
    assert r.count(app, RefreshRetry) == 0
    assert r.count(app, Token) == 2  # the family lives: its tokens stay

    r.add(app, r.refresh_retry(first, successor, r.ahead(seconds=20)))
    assert r.cleanup(app)["refresh_retries"] == 0
    assert r.count(app, RefreshRetry) == 1


def test_a_password_setup_link_goes_like_a_reset_link(app, owners):
    over, live = r.add(app, r.password_link(owners.user, r.ago(hours=2), "setup"),
                       r.password_link(owners.user, r.ahead(days=6), "setup"))
    assert r.cleanup(app)["password_reset_tokens"] == 1
    assert r.count(app, PasswordResetToken, PasswordResetToken.id == live) == 1


def test_a_record_over_moments_ago_waits_for_the_requests_still_at_work(app, owners):
    just_over, settled = r.add(app, r.code(owners.client, owners.user, r.ago(minutes=1)),
                               r.code(owners.client, owners.user,
                                      r.ago() - SETTLING - timedelta(seconds=5)))

    assert r.cleanup(app)["authorization_codes"] == 1
    assert r.count(app, AuthorizationCode, AuthorizationCode.id == just_over) == 1
    assert r.count(app, AuthorizationCode, AuthorizationCode.id == settled) == 0


def test_a_challenge_stays_while_its_code_counts_towards_the_hourly_cap(app, owners):
    counted, old = r.add(app, r.challenge(owners.user, r.ago(minutes=30)),
                         r.challenge(owners.user, r.ago(hours=2)))
    sent_in_the_hour, sent_before = r.add(
        app, r.delivery(owners.user, r.ago(minutes=40), counted),
        r.delivery(owners.user, r.ago(hours=2, minutes=10), old))

    assert r.cleanup(app)["otp_challenges"] == 1
    assert r.count(app, OtpChallenge, OtpChallenge.id == counted) == 1
    assert r.count(app, Delivery, Delivery.id == sent_in_the_hour,
                   Delivery.challenge_id == counted) == 1
    # the older delivery record stays, for its own retention, naming no challenge
    assert r.count(app, Delivery, Delivery.id == sent_before, Delivery.challenge_id.is_(None)) == 1


def test_a_used_client_assertion_stays_while_the_clock_skew_could_still_accept_it(app, owners):
    skew = timedelta(seconds=app.config["CLOCK_SKEW_SECONDS"])
    acceptable, refused = r.add(
        app, r.client_assertion(owners.client, r.ago() - SETTLING - skew / 2),
        r.client_assertion(owners.client, r.ago() - SETTLING - skew - timedelta(seconds=5)))

    assert r.cleanup(app)["client_assertions"] == 1
    assert r.count(app, ClientAssertion, ClientAssertion.id == acceptable) == 1
    assert r.count(app, ClientAssertion, ClientAssertion.id == refused) == 0


def test_an_old_failure_counter_that_still_blocks_stays(app):
    [blocking] = r.add(app, r.failure_counter(r.ago(days=2), blocked_until=r.ahead(minutes=5)))
    assert r.cleanup(app)["failure_counters"] == 0
    assert r.count(app, FailureCounter, FailureCounter.id == blocking) == 1


def test_audit_events_and_delivery_records_follow_the_retention_setting(app, owners,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    old_event, recent_event = r.add(app, r.audit_event(r.ago(days=31)),
                                    r.audit_event(r.ago(days=29)))
    old_record, recent_record = r.add(app, r.delivery(owners.user, r.ago(days=31)),
                                      r.delivery(owners.user, r.ago(days=29)))

    removed = r.cleanup(app)

    assert (removed["audit_events"], removed["deliveries"]) == (1, 1)
    assert r.count(app, AuditEvent, AuditEvent.id.in_([old_event, recent_event])) == 1
    assert r.count(app, AuditEvent, AuditEvent.id == recent_event) == 1
    assert r.count(app, Delivery, Delivery.id == recent_record) == 1
    assert r.count(app, Delivery, Delivery.id == old_record) == 0


def test_a_run_that_removed_something_says_so_in_the_audit_trail(app, owners):
    r.add(app, r.code(owners.client, owners.user, r.ago(hours=2)),
          r.password_link(owners.user, r.ago(hours=2)))

    r.cleanup(app)

    [entry] = audit_events(app, "cleanup.removed")
    assert entry.detail == {"authorization_codes": 1, "password_reset_tokens": 1}
