"""The demo webmail against a real provider: sign-in with the e-mailed code, the mailboxes of
the claim, sending between mailboxes, refresh, RP-initiated and back-channel logout (each
logout token once), the acr floor and the step-up of a sensitive mailbox."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import request, request_finished
from joserfc import jwt
from joserfc.jwk import KeySet

from clients.demo_webmail import mail
from clients.demo_webmail.backchannel import note_received
from clients.demo_webmail.extensions import db
from clients.demo_webmail.models import ReceivedLogoutToken, WebmailSession, utcnow

from .conftest import JEANNE, ORG_BOX, PAUL, form_post, latest_code, sign_in

pytestmark = pytest.mark.slow


def only_session(stack) -> WebmailSession:
    with stack.webmail.app_context():
        [record] = db.session.scalars(db.select(WebmailSession)).all()
        db.session.expunge(record)
        return record


def change_session(stack, **values) -> None:
    with stack.webmail.app_context():
        db.session.execute(db.update(WebmailSession).values(**values))
        db.session.commit()


@pytest.fixture(autouse=True)
def _no_webmail_session(stack):
    yield
    with stack.webmail.app_context():
        db.session.execute(db.delete(WebmailSession))
        db.session.commit()


def test_signing_in_shows_the_personal_and_organisational_mailboxes(browser, stack,
                                                                    mail_catcher):
    page = sign_in(browser, stack, mail_catcher)

    assert urlsplit(page.url).path == f"/bal/{JEANNE}/Inbox"
    assert "Jeanne Martin" in page.text and "BAL personnelle" in page.text
    assert "Secrétariat de cardiologie" in page.text and "BAL organisationnelle" in page.text
    assert "Bienvenue dans votre messagerie sécurisée de santé" in page.text
    assert "webmail_session" in browser.cookies
    record = only_session(stack)
    assert record.access_token not in page.text and record.access_token not in str(
        browser.cookies.values())


def test_a_message_sent_from_the_organisational_mailbox_reaches_the_recipient(
        browser, stack, mail_catcher):
    sign_in(browser, stack, mail_catcher)
    compose = browser.get(f"{stack.webmail_url}/bal/{ORG_BOX}/nouveau")
    sent = form_post(browser, compose, "/nouveau", to=PAUL, subject="Planning de lundi",
                     body="Bonjour, le planning est prêt.")

    assert urlsplit(sent.url).path == f"/bal/{ORG_BOX}/Sent"
    assert "Message envoyé." in sent.text and "Planning de lundi" in sent.text
    with stack.webmail.app_context():
        assert [m.subject for m in mail.folder(PAUL, "Inbox")][0] == "Planning de lundi"


def test_a_mailbox_outside_the_claim_is_not_found(browser, stack, mail_catcher):
    sign_in(browser, stack, mail_catcher)

    assert browser.get(f"{stack.webmail_url}/bal/{PAUL}/Inbox").status_code == 404


def test_an_expired_access_token_is_refreshed(browser, stack, mail_catcher):
    sign_in(browser, stack, mail_catcher)
    before = only_session(stack)
    change_session(stack, expires_at=0)

    page = browser.get(f"{stack.webmail_url}/bal/{JEANNE}/Inbox")

    after = only_session(stack)
    assert page.status_code == 200 and "Jeanne Martin" in page.text
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert after.expires_at > time.time()


def test_logout_ends_the_provider_session_too(browser, stack, mail_catcher):
    page = sign_in(browser, stack, mail_catcher)

    home = form_post(browser, page, "/auth/logout")

    assert home.url.startswith(f"{stack.webmail_url}/?state=") and "Se connecter" in home.text
    again = browser.get(stack.webmail_url + "/auth/login")
    assert again.url.startswith(stack.issuer) and 'name="password"' in again.text


def test_a_back_channel_logout_ends_the_webmail_session(browser, stack, mail_catcher):
    sign_in(browser, stack, mail_catcher)
    record = only_session(stack)
    end_session = browser.get(stack.issuer + "/.well-known/openid-configuration").json()[
        "end_session_endpoint"]

    browser.get(end_session, params={"id_token_hint": record.id_token})

    with stack.webmail.app_context():
        assert db.session.scalars(db.select(WebmailSession)).all() == []
    assert "Se connecter" in browser.get(stack.webmail_url + "/").text


def test_a_forged_logout_token_is_refused(browser, stack):
    answer = browser.post(stack.webmail_url + "/auth/backchannel-logout",
                          data={"logout_token": "e30.e30.forged"})

    assert answer.status_code == 400


def test_a_logout_token_sent_again_is_refused_and_ends_nothing(browser, stack, mail_catcher):
    """OpenID Connect Back-Channel Logout §2.6: a token whose jti was already received is
    refused (400); its jti is kept until the token expires, and expired ones are forgotten."""
    sign_in(browser, stack, mail_catcher, user=PAUL)  # Jeanne's codes of the hour are counted
    record = only_session(stack)
    with stack.webmail.app_context():
        db.session.add(ReceivedLogoutToken(jti="expired", expires_at=utcnow()))
        db.session.commit()
    delivered = []

    def keep_logout_token(_sender, response, **_extra):
        if request.path == "/auth/backchannel-logout":
            delivered.append((request.form["logout_token"], response.status_code))

    end_session = browser.get(stack.issuer + "/.well-known/openid-configuration").json()[
        "end_session_endpoint"]
    with request_finished.connected_to(keep_logout_token, stack.webmail):
        browser.get(end_session, params={"id_token_hint": record.id_token})
    [(logout_token, status)] = delivered
    assert status == 200
    claims = jwt.decode(logout_token, KeySet.import_key_set(
        browser.get(stack.issuer + "/jwks.json").json())).claims
    with stack.webmail.app_context():
        kept = db.session.get(ReceivedLogoutToken, claims["jti"])
        assert kept.expires_at.replace(tzinfo=UTC).timestamp() == claims["exp"]
        assert db.session.get(ReceivedLogoutToken, "expired") is None  # forgotten once expired
        db.session.add(WebmailSession(**{column.key: getattr(record, column.key)
                                         for column in WebmailSession.__table__.columns}))
        db.session.commit()  # a session the token names, to see the replay end nothing

    again = browser.post(stack.webmail_url + "/auth/backchannel-logout",
                         data={"logout_token": logout_token})

    assert again.status_code == 400
    assert only_session(stack).id == record.id


@pytest.mark.parametrize("claims", [{"exp": 2_000_000_000}, {"jti": "", "exp": 2_000_000_000},
                                    {"jti": "x" * 256, "exp": 2_000_000_000},
                                    {"jti": "far", "exp": 10 ** 12}])
def test_a_logout_token_without_a_usable_jti_or_exp_is_refused(stack, claims):
    with stack.webmail.app_context(), pytest.raises(ValueError):
        note_received(claims)


def test_a_sign_in_below_two_factors_is_refused(browser, stack):
    """The person strips acr_values from the request; with a client accepting passwords alone,
    the provider answers acr=pwd, which the webmail refuses."""
    pwd_client = stack.idp("clients", "create", "--name", "Webmail pwd", "--acr", "pwd",
                           "--first-party", "--json", "--redirect-uri",
                           f"{stack.webmail_url}/auth/callback")
    credentials = json.loads(pwd_client)
    provider = stack.webmail.extensions["webmail_oauth"].provider
    saved = provider.client_id, provider.client_secret
    provider.client_id, provider.client_secret = credentials["client_id"], credentials[
        "client_secret"]
    try:
        start = browser.get(stack.webmail_url + "/auth/login", allow_redirects=False)
        location = start.headers["Location"]
        query = parse_qs(urlsplit(location).query)
        assert query["acr_values"] == ["mfa"] and query["code_challenge_method"] == ["S256"]
        page = browser.get(location.replace("acr_values=mfa", "acr_values=pwd"))
        refused = form_post(browser, page, "/login", username=JEANNE,
                            password="demo-mssante-2026", factor="email")
    finally:
        provider.client_id, provider.client_secret = saved
    assert refused.status_code == 403
    assert "deux facteurs" in refused.text


def age_provider_sessions(stack, seconds: int) -> None:
    """Make the provider's sessions' latest authentication ``seconds`` older."""
    with sqlite3.connect(stack.idp_database) as connection:
        rows = connection.execute("SELECT id, auth_time FROM sso_sessions").fetchall()
        for row_id, auth_time in rows:
            older = datetime.fromisoformat(auth_time) - timedelta(seconds=seconds)
            connection.execute("UPDATE sso_sessions SET auth_time = ? WHERE id = ?",
                               (older.isoformat(sep=" "), row_id))


def test_the_claim_marks_the_organisational_mailbox_sensitive(browser, stack, mail_catcher):
    page = sign_in(browser, stack, mail_catcher)
    boxes = {m["address"]: m for m in only_session(stack).mailboxes}
    assert boxes[ORG_BOX]["sensitive"] is True and boxes[JEANNE]["sensitive"] is False
    assert "BAL organisationnelle · sensible" in page.text


def test_a_sensitive_mailbox_opened_later_asks_the_provider_only_for_a_new_code(
        browser, stack, mail_catcher):
    """Past 5 minutes, the sensitive mailbox sends the browser to the provider with max_age=300;
    the provider asks for a new code (no password), and the mailbox opens."""
    sign_in(browser, stack, mail_catcher)
    assert browser.get(f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox").status_code == 200
    assert browser.get(f"{stack.webmail_url}/bal/{JEANNE}/Inbox").status_code == 200
    change_session(stack, auth_time=int(time.time()) - 600)
    age_provider_sessions(stack, 600)
    personal = browser.get(f"{stack.webmail_url}/bal/{JEANNE}/Inbox", allow_redirects=False)
    assert personal.status_code == 200  # only the sensitive mailbox asks again

    step_up = browser.get(f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox", allow_redirects=False)
    query = parse_qs(urlsplit(step_up.headers["Location"]).query)
    assert query["max_age"] == ["300"] and query["acr_values"] == ["mfa"]
    factor = browser.get(step_up.headers["Location"])

    assert factor.url.startswith(stack.issuer)
    assert 'name="password"' not in factor.text and 'name="factor"' in factor.text
    page = form_post(browser, factor, "/factor", factor="email")
    page = form_post(browser, page, "/code", code=latest_code(mail_catcher))
    assert page.url == f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox"
    assert "Secrétariat de cardiologie" in page.text
    assert only_session(stack).auth_time > time.time() - 60


def test_a_sensitive_mailbox_opens_at_once_when_the_provider_saw_a_recent_factor(
        browser, stack, mail_catcher):
    """The webmail's own record is old but the provider's second factor is recent: the
    provider answers at once, with that time."""
    sign_in(browser, stack, mail_catcher)
    change_session(stack, auth_time=int(time.time()) - 600)

    back = browser.get(f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox")

    assert back.url == f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox"
    assert only_session(stack).auth_time > time.time() - 60
