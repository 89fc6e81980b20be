"""The business counters come from the audit events, once committed, and from the tokens
issued; the request counters name Flask endpoints, never paths, so their labels stay few."""

from __future__ import annotations

from flask.testing import FlaskClient

from idp import audit
from idp.extensions import db
from idp.observability import metrics

from .metric_values import value

SIGN_IN = "idp_sign_in_steps_total"


def test_a_sign_in_counts_its_password_step_its_token_and_its_requests(app, actors):
    actors.user()
    rp = actors.rp()
    before = {
        "ok": value(SIGN_IN, factor="password", result="success"),
        "code": value("idp_tokens_issued_total", grant="authorization_code"),
        "refresh": value("idp_tokens_issued_total", grant="refresh_token"),
        "token": value("idp_http_requests_total", endpoint="oidc.token", method="POST",
                       status="200"),
        "timed": value("idp_http_request_duration_seconds_count", endpoint="oidc.token"),
    }
    browser = app.test_client()
    tokens = actors.tokens(browser, rp, scope="openid offline_access")
    refreshed = browser.post("/token", auth=(rp.client_id, rp.client_secret), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200

    assert value(SIGN_IN, factor="password", result="success") == before["ok"] + 1
    assert value("idp_tokens_issued_total", grant="authorization_code") == before["code"] + 1
    assert value("idp_tokens_issued_total", grant="refresh_token") == before["refresh"] + 1
    assert value("idp_http_requests_total", endpoint="oidc.token", method="POST",
                 status="200") == before["token"] + 2
    assert value("idp_http_request_duration_seconds_count",
                 endpoint="oidc.token") == before["timed"] + 2


def _wrong_password(actors, browser: FlaskClient, rp):
    start = browser.get("/authorize", query_string=actors.auth_params(rp))
    return actors.login(browser, start, password="not the password")


def test_wrong_passwords_count_as_failures_then_as_lockout_refusals(app, actors):
    actors.user()
    rp = actors.rp()
    free = app.config["LOCKOUT_FREE_FAILURES"]
    failed = value(SIGN_IN, factor="password", result="failure")
    blocked = value(SIGN_IN, factor="password", result="blocked")
    lockouts = value("idp_lockout_refusals_total", kind="password")
    browser = app.test_client()
    answers = [_wrong_password(actors, browser, rp).status_code for _ in range(free + 2)]

    assert answers[-1] == 429  # the last try came while the delay ran
    assert value(SIGN_IN, factor="password", result="failure") == failed + free + 1
    assert value(SIGN_IN, factor="password", result="blocked") == blocked + 1
    assert value("idp_lockout_refusals_total", kind="password") == lockouts + 1


def test_a_rate_limit_refusal_is_counted_by_endpoint(make_app, actors):
    limited = make_app(RATELIMIT_SIGNIN_PER_ACCOUNT="2 per minute")
    actors.app = limited
    actors.user()
    rp = actors.rp()
    before = value("idp_rate_limit_refusals_total", endpoint="interaction.login")
    browser = limited.test_client()
    answers = [_wrong_password(actors, browser, rp).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert value("idp_rate_limit_refusals_total", endpoint="interaction.login") == before + 1


def test_an_audit_event_counts_only_once_its_transaction_commits(ctx):
    before = value(SIGN_IN, factor="sms", result="failure")
    audit.record("login.code_failed", factor="sms", reason="wrong")
    db.session.flush()
    db.session.rollback()
    assert value(SIGN_IN, factor="sms", result="failure") == before
    audit.record("login.code_failed", factor="sms", reason="wrong")
    db.session.commit()
    assert value(SIGN_IN, factor="sms", result="failure") == before + 1


def test_codes_sent_are_counted_by_channel_and_outcome(ctx):
    sent = value("idp_codes_sent_total", channel="email", outcome="sent")
    failed = value("idp_codes_sent_total", channel="sms", outcome="failed")
    other = value("idp_codes_sent_total", channel="other", outcome="sent")
    audit.record("delivery.sent", channel="email", destination="a***@example.org")
    audit.record("delivery.failed", channel="sms", destination="+33 6** ** ** 12")
    audit.record("delivery.sent", channel="pigeon", destination="?")
    db.session.commit()
    assert value("idp_codes_sent_total", channel="email", outcome="sent") == sent + 1
    assert value("idp_codes_sent_total", channel="sms", outcome="failed") == failed + 1
    assert value("idp_codes_sent_total", channel="other", outcome="sent") == other + 1


def test_request_labels_name_endpoints_and_known_methods_never_what_the_client_sent(client):
    unmatched = value("idp_http_requests_total", endpoint="unmatched", method="GET",
                      status="404")
    odd = value("idp_http_requests_total", endpoint="unmatched", method="other",
                status="405")
    assert client.get("/reset/secret-reset-token-123").status_code == 404
    assert client.open("/token", method="PROPFIND").status_code == 405
    assert value("idp_http_requests_total", endpoint="unmatched", method="GET",
                 status="404") == unmatched + 1
    assert value("idp_http_requests_total", endpoint="unmatched", method="other",
                 status="405") == odd + 1
    scraped = metrics.exposition()[0].decode()
    assert "secret-reset-token-123" not in scraped and "PROPFIND" not in scraped


def test_the_job_queue_reports_its_depth_at_scrape_time_and_counts_its_runs(monkeypatch):
    monkeypatch.setattr(metrics, "_queue_depth_sources", [])

    def depth() -> dict[str, int]:
        return {"default": 7}

    metrics.report_queue_depth(depth)
    metrics.report_queue_depth(depth)  # once more, by another app of the process
    failed = value("idp_jobs_total", job="send_code", outcome="failed")
    metrics.job_finished("send_code", failed=True)
    scraped = metrics.exposition()[0].decode()
    assert scraped.count("idp_job_queue_depth{") == 1
    assert 'idp_job_queue_depth{queue="default"} 7.0' in scraped
    assert value("idp_jobs_total", job="send_code", outcome="failed") == failed + 1


def test_a_code_step_refused_by_the_lockout_counts_as_a_lockout_and_a_blocked_step(ctx):
    lockouts = value("idp_lockout_refusals_total", kind="code")
    blocked = value(SIGN_IN, factor="code", result="blocked")
    audit.record("login.code_blocked")
    audit.record("login.code_failed", factor="email", reason="wrong")  # not a lockout
    db.session.commit()
    assert value("idp_lockout_refusals_total", kind="code") == lockouts + 1
    assert value(SIGN_IN, factor="code", result="blocked") == blocked + 1
