"""Removing what has expired, for ``idp cleanup`` and the scheduler alike: ``remove_expired``.

Each kind of record has one rule saying when its rows are over (docs/cleanup.md says why each
is safe). Rows go in batches, each one short DELETE of the rows a sub-select picks by primary
key, repeating the rule itself: a row that became live or was used since the pick (a session
touched, a counter failed again) no longer matches and stays. Children go before their parents,
or with them where the schema says ON DELETE CASCADE (a session's clients and upstream sign-in).

Records go SETTLING after their end: a request that read one while it was live may still be
writing beside it (a redemption saving its tokens, a rotation its retry record, a code being
sent), and must find it there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, exists, func, literal_column, not_, or_, select
from sqlalchemy.orm import aliased

from . import audit
from .accounts.lockout import forgotten_counts
from .extensions import db
from .factors.otp import HOURLY_CAP_WINDOW
from .models import (
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
from .models.base import utcnow
from .sessions.sso import end_if_past_limits, past_limits

SETTLING = timedelta(minutes=5)
SESSIONS_ENDED = "sso_sessions_ended"


@dataclass(frozen=True)
class Moments:
    """The moments a run judges by: ``now``, ``settled`` (SETTLING earlier: what ended before
    it goes) and ``retained`` (AUDIT_RETENTION_DAYS earlier: older records go)."""

    now: datetime
    settled: datetime
    retained: datetime


@dataclass(frozen=True)
class Rule:
    """The rows of ``model`` that are over, as a condition on its columns at given moments."""

    kind: str
    model: Any
    over: Callable[[Moments], ColumnElement[bool]]


def _access_ended(token: Any, moment: datetime) -> ColumnElement[bool]:
    """``token``'s access token stopped being accepted by ``moment`` (issued_at + expires_in,
    as ``Token.expires_at`` says; date arithmetic differs between SQLite and PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(token.issued_at) + token.expires_in / 86400.0
                <= func.julianday(moment))
    return token.issued_at + token.expires_in * literal_column("interval '1 second'") <= moment


def _family_over(at: Moments) -> ColumnElement[bool]:
    """A token goes with its whole family, once no member of it can be used: each revoked, or
    with its access token expired and its refresh token absent, used or expired. Until then the
    rotated members stay, so that a replay of one revokes the family (``oidc.tokens``)."""
    member = aliased(Token)
    usable = and_(
        member.revoked_at.is_(None),
        or_(not_(_access_ended(member, at.settled)),
            and_(member.refresh_token_hash.is_not(None), member.refresh_used_at.is_(None),
                 member.refresh_expires_at > at.settled)),
    )
    return ~exists().where(member.family_id == Token.family_id, usable)


def _code_over(at: Moments) -> ColumnElement[bool]:
    """An expired code goes once no token issued from it remains: a code presented again
    revokes its family (RFC 6749 §4.1.2) as long as that family is kept."""
    return and_(AuthorizationCode.expires_at <= at.settled,
                ~exists().where(Token.authorization_code_id == AuthorizationCode.id))


def _assertion_over(at: Moments) -> ColumnElement[bool]:
    """A used client assertion is refused while its ``exp`` plus CLOCK_SKEW_SECONDS is ahead."""
    skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    return ClientAssertion.expires_at <= at.settled - skew


#: In this order: children first (retry records before tokens, tokens before codes).
RULES = (
    Rule("authorization_requests", AuthorizationRequest,
         lambda at: AuthorizationRequest.expires_at <= at.settled),
    Rule("refresh_retries", RefreshRetry, lambda at: RefreshRetry.expires_at <= at.settled),
    Rule("tokens", Token, _family_over),
    Rule("authorization_codes", AuthorizationCode, _code_over),
    Rule("client_assertions", ClientAssertion, _assertion_over),
    # The hourly cap of codes counts the deliveries that name a challenge: kept that long.
    Rule("otp_challenges", OtpChallenge,
         lambda at: OtpChallenge.expires_at <= at.settled - HOURLY_CAP_WINDOW),
    Rule("password_reset_tokens", PasswordResetToken,
         lambda at: PasswordResetToken.expires_at <= at.settled),
    Rule("notification_email_changes", NotificationEmailChange,
         lambda at: NotificationEmailChange.expires_at <= at.settled),
    Rule("failure_counters", FailureCounter, lambda at: forgotten_counts(at.now)),
    Rule("sso_sessions", SsoSession,
         lambda at: and_(SsoSession.ended_at.is_not(None), SsoSession.ended_at <= at.settled)),
    Rule("audit_events", AuditEvent, lambda at: AuditEvent.at <= at.retained),
    Rule("deliveries", Delivery, lambda at: Delivery.created_at <= at.retained),
    Rule("job_attempts", JobAttempt, lambda at: JobAttempt.started_at <= at.retained),
)


def remove_expired(now: datetime | None = None, batch_size: int | None = None
                   ) -> dict[str, int]:
    """End the sessions past their limits (clients told by back-channel logout), then remove
    every record that is over at ``now`` (default: this moment), ``batch_size`` rows at a time
    (default: CLEANUP_BATCH_SIZE). Returns how many sessions ended and how many rows of each
    kind went. Commits as it goes, one short transaction per batch: run it outside any unit of
    work."""
    config = current_app.config
    now = now or utcnow()
    batch_size = batch_size or config["CLEANUP_BATCH_SIZE"]
    moments = Moments(now, now - SETTLING,
                      now - timedelta(days=config["AUDIT_RETENTION_DAYS"]))
    counts = {SESSIONS_ENDED: _end_sessions(now, batch_size)}
    for rule in RULES:
        counts[rule.kind] = _remove(rule, moments, batch_size)
    removed = {kind: count for kind, count in counts.items() if count}
    if removed:
        audit.record("cleanup.removed", **removed)
        db.session.commit()  # the run's own record, once its batches are done
    return counts


def _end_sessions(now: datetime, batch_size: int) -> int:
    """End, one by one, the sessions past their limits; how many ended."""
    ended, after = 0, 0
    while True:
        ids = db.session.scalars(
            select(SsoSession.id).where(past_limits(now), SsoSession.id > after)
            .order_by(SsoSession.id).limit(batch_size)).all()
        for session_id in ids:
            ended += end_if_past_limits(session_id, now)
            db.session.commit()  # each end stands alone, its clients told: no long lock
        if len(ids) < batch_size:
            return ended
        after = ids[-1]


def _remove(rule: Rule, moments: Moments, batch_size: int) -> int:
    """Delete the rows ``rule`` says are over, ``batch_size`` at a time; how many went."""
    key = rule.model.__mapper__.primary_key[0]
    removed = 0
    while True:
        over = rule.over(moments)
        picked = select(key).where(over).limit(batch_size).correlate(None)
        count = db.session.execute(
            delete(rule.model).where(key.in_(picked), over),
            execution_options={"synchronize_session": False},
        ).rowcount
        db.session.commit()  # one short transaction per batch: the table is never locked long
        removed += count
        if count < batch_size:
            return removed
