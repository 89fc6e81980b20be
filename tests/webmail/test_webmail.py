"""The demo webmail against a real provider: sign-in with the e-mailed code, the mailboxes of
the claim, sending between mailboxes, refresh, RP-initiated and back-channel logout, the acr
floor and the step-up of a sensitive mailbox."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from clients.demo_webmail import mail
from clients.demo_webmail.extensions import db
from clients.demo_webmail.models import WebmailSession

from .conftest import JEANNE, ORG_BOX, PAUL, form_post, sign_in

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


def test_a_sensitive_mailbox_asks_for_a_recent_authentication(browser, stack, mail_catcher):
    """Older than 5 minutes, the webmail asks the provider again with max_age=300."""
    sign_in(browser, stack, mail_catcher)
    with stack.webmail.app_context():
        mail.mark_sensitive(ORG_BOX)
    try:
        assert browser.get(f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox").status_code == 200
        change_session(stack, auth_time=int(time.time()) - 600)

        step_up = browser.get(f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox",
                              allow_redirects=False)

        query = parse_qs(urlsplit(step_up.headers["Location"]).query)
        assert query["max_age"] == ["300"] and query["acr_values"] == ["mfa"]
        # the provider's own sign-in is a few seconds old: it answers at once, with that time
        back = browser.get(step_up.headers["Location"])
        assert back.url == f"{stack.webmail_url}/bal/{ORG_BOX}/Inbox"
        assert only_session(stack).auth_time > time.time() - 60
    finally:
        with stack.webmail.app_context():
            db.session.get(mail.Mailbox, ORG_BOX).sensitive = False
            db.session.commit()
