"""A new notification e-mail, as people live it: asked for from the account page or by the
operator's command, confirmed by the link the new address receives (its page changes nothing
until « Confirmer » is pressed), the old address told. Sign-in codes really travel to the mail
catcher: they reach the old address until the confirmation, the new one after it."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from idp.extensions import db
from idp.models import Delivery, NotificationEmailChange, User
from idp.models.base import utcnow

from ..delivery_servers import app_settings
from ..helpers import audit_events, csrf_token
from ..interaction.second_factor_journey import (
    ALICE,
    ALICE_NOTIFICATIONS,
    code_page,
    password_step,
    shown,
    start,
)
from .account_journey import follow, post, sign_in_to_account

NEW = "martin.perso@example.net"
NEW_MASKED = "m***@example.net"
REFUSED = "Ce lien de confirmation n'est plus valable"


@pytest.fixture
def alice(actors):
    return actors.user()


@pytest.fixture
def rp(actors, alice):
    """A webmail that wants two factors."""
    return actors.rp(min_acr="mfa")


def mails_to(mail_catcher, address: str) -> list[dict]:
    """E-mails received by ``address``, newest first."""
    return [m for m in mail_catcher.messages("email") if m["to"] == [address]]


def link_in(mail) -> str:
    """The path of the confirmation link of an e-mail."""
    link = re.search(r"http://localhost(/account/notification-email/confirm/\S+)", mail["text"])
    assert link.group(1) in mail["html"]
    return link.group(1)


def notification_address(app) -> str:
    with app.app_context():
        return db.session.scalar(db.select(User.notification_email))


def code_goes_to(app, actors, rp, mail_catcher) -> str:
    """Start a sign-in in a new browser, choose the e-mail code: where the code went."""
    browser = app.test_client()
    page, _ = start(browser, actors, rp)
    code_page(browser, password_step(browser, page, "email"))
    mail = mail_catcher.messages("email")[0]
    assert mail["subject"] == "Connexion à votre compte MSSanté"
    [address] = mail["to"]
    return address


def ask_from_account(browser, mail_catcher, address: str = NEW):
    """Sign in to the account page and ask for ``address``: the page shown afterwards."""
    account = sign_in_to_account(browser, mail_catcher)
    return follow(browser, post(browser, account, "/account/notification-email", address=address))


def confirm(browser, link):
    """Open the link and press « Confirmer »."""
    page = browser.get(link)
    assert page.status_code == 200, page.text[:300]
    return browser.post(link, data={"csrf_token": csrf_token(page.text)})


def test_the_operator_asks_codes_go_to_the_old_address_until_the_new_one_confirms(
    app, runner, actors, rp, mail_catcher
):
    result = runner.invoke(args=["users", "set-notification-email", ALICE, NEW])
    assert result.exit_code == 0, result.output
    assert f"Lien de confirmation envoyé à {NEW}" in result.output
    [notice] = mails_to(mail_catcher, ALICE_NOTIFICATIONS)
    assert "Si vous n'êtes pas à l'origine de cette demande" in notice["text"]

    assert code_goes_to(app, actors, rp, mail_catcher) == ALICE_NOTIFICATIONS

    done = confirm(app.test_client(), link_in(mails_to(mail_catcher, NEW)[0]))
    assert done.status_code == 200
    assert "Adresse de notification changée" in shown(done) and NEW in shown(done)
    told = mails_to(mail_catcher, ALICE_NOTIFICATIONS)[0]
    assert told["subject"] == "Votre adresse de notification MSSanté a été changée"

    assert code_goes_to(app, actors, rp, mail_catcher) == NEW
    [changed] = audit_events(app, "notification_email.changed")
    assert changed.detail["requested_by"] == "cli"


def test_the_person_asks_from_the_account_page_and_nothing_changes_before_confirmation(
    app, client, actors, rp, mail_catcher
):
    page = ask_from_account(client, mail_catcher)

    text = shown(page)
    assert f"Un lien de confirmation a été envoyé à {NEW}" in text
    assert f"Nouvelle adresse en attente de confirmation : {NEW_MASKED}" in text
    assert "a***@example.org" in text and notification_address(app) == ALICE_NOTIFICATIONS
    [notice] = [m for m in mails_to(mail_catcher, ALICE_NOTIFICATIONS)
                if m["subject"] != "Connexion à votre compte MSSanté"]
    assert NEW_MASKED in notice["text"] and "référent" in notice["text"]
    [requested] = audit_events(app, "notification_email.change_requested")
    assert requested.detail["requested_by"] == "self"
    assert code_goes_to(app, actors, rp, mail_catcher) == ALICE_NOTIFICATIONS

    confirm(app.test_client(), link_in(mails_to(mail_catcher, NEW)[0]))  # another device

    after = shown(client.get("/account"))
    assert NEW_MASKED in after and "en attente de confirmation" not in after
    assert code_goes_to(app, actors, rp, mail_catcher) == NEW


def test_opening_the_link_shows_a_button_and_changes_nothing(app, client, alice, mail_catcher):
    ask_from_account(client, mail_catcher)
    link = link_in(mails_to(mail_catcher, NEW)[0])
    browser = app.test_client()  # the new mailbox, maybe on another device: no session needed

    for _ in range(2):  # a mail scanner, then the person
        page = browser.get(link)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert f'action="{link}"' in page.text and ">Confirmer</button>" in page.text
        assert NEW in shown(page) and ALICE in shown(page)

    assert notification_address(app) == ALICE_NOTIFICATIONS
    assert audit_events(app, "notification_email.changed") == []


def test_the_link_works_once(app, client, alice, mail_catcher):
    ask_from_account(client, mail_catcher)
    link = link_in(mails_to(mail_catcher, NEW)[0])
    browser = app.test_client()
    page = browser.get(link)
    assert browser.post(link, data={"csrf_token": csrf_token(page.text)}).status_code == 200

    again = browser.post(link, data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 400 and REFUSED in shown(again)
    reopened = browser.get(link)
    assert reopened.status_code == 400 and REFUSED in shown(reopened)
    assert len(audit_events(app, "notification_email.changed")) == 1


def test_an_expired_link_is_refused_with_a_french_message(app, client, alice, mail_catcher):
    ask_from_account(client, mail_catcher)
    link = link_in(mails_to(mail_catcher, NEW)[0])
    browser = app.test_client()
    page = browser.get(link)
    with app.app_context():
        db.session.execute(db.update(NotificationEmailChange).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    refused = browser.post(link, data={"csrf_token": csrf_token(page.text)})

    assert refused.status_code == 400
    assert "Lien expiré ou déjà utilisé" in shown(refused)
    assert "il a déjà servi, a expiré ou a été remplacé par une demande plus récente" \
        in shown(refused)
    assert browser.get(link).status_code == 400
    assert notification_address(app) == ALICE_NOTIFICATIONS
    assert "en attente de confirmation" not in shown(client.get("/account"))


def test_a_newer_request_makes_the_older_link_worthless(app, client, alice, mail_catcher):
    page = ask_from_account(client, mail_catcher)
    older = link_in(mails_to(mail_catcher, NEW)[0])
    page = follow(client, post(client, page, "/account/notification-email",
                               address="alice.bis@example.com"))
    assert "Nouvelle adresse en attente de confirmation : a***@example.com" in shown(page)

    refused = app.test_client().get(older)
    assert refused.status_code == 400 and REFUSED in shown(refused)
    confirm(app.test_client(), link_in(mails_to(mail_catcher, "alice.bis@example.com")[0]))
    assert notification_address(app) == "alice.bis@example.com"


@pytest.mark.parametrize(("address", "message"), [
    ("alice(at)example.org", "n'est pas une adresse e-mail valide"),
    (" ", "n'est pas une adresse e-mail valide"),
    ("x" * 400 + "@example.org", "n'est pas une adresse e-mail valide"),
    (ALICE.upper(), "L'adresse de notification doit être différente de l'adresse MSSanté."),
    (ALICE_NOTIFICATIONS, f"« {ALICE_NOTIFICATIONS} » est déjà l'adresse de notification"),
])
def test_an_address_that_cannot_be_used_is_refused_without_change(app, client, alice,
                                                                  mail_catcher, address, message):
    sign_in_to_account(client, mail_catcher)
    sent = len(mail_catcher.messages())

    page = follow(client, post(client, client.get("/account"), "/account/notification-email",
                               address=address))

    assert page.status_code == 200
    assert re.search(r'<p class="error" role="alert">[^<]*' + re.escape(message),
                     shown(page))
    assert notification_address(app) == ALICE_NOTIFICATIONS
    assert len(mail_catcher.messages()) == sent
    with app.app_context():
        assert db.session.scalar(db.select(NotificationEmailChange)) is None


def test_asking_needs_the_csrf_token(app, client, alice, mail_catcher):
    sign_in_to_account(client, mail_catcher)

    refused = client.post("/account/notification-email", data={"address": NEW})

    assert refused.status_code == 400 and "Le formulaire a expiré" in shown(refused)
    with app.app_context():
        assert db.session.scalar(db.select(NotificationEmailChange)) is None


def test_asking_without_a_session_is_sent_to_the_sign_in(app, client, alice):
    page = client.get("/password/forgot")  # any page gives this browser a CSRF token
    response = client.post("/account/notification-email",
                           data={"address": NEW, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authorize"
    with app.app_context():
        assert db.session.scalar(db.select(NotificationEmailChange)) is None


def test_a_password_only_session_is_sent_to_the_sign_in(app, client, actors, alice):
    actors.sign_in(client, actors.rp(min_acr="pwd", name="Annuaire"))
    page, _ = start(client, actors, actors.rp(min_acr="mfa"))  # a page with a valid CSRF token
    response = client.post("/account/notification-email",
                           data={"address": NEW, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authorize"
    with app.app_context():
        assert db.session.scalar(db.select(NotificationEmailChange)) is None


def test_confirming_needs_the_csrf_token(app, client, alice, mail_catcher):
    ask_from_account(client, mail_catcher)
    link = link_in(mails_to(mail_catcher, NEW)[0])
    refused = app.test_client().post(link)
    assert refused.status_code == 400 and "Le formulaire a expiré" in shown(refused)
    assert notification_address(app) == ALICE_NOTIFICATIONS


def test_an_unknown_link_is_refused(client):
    refused = client.get("/account/notification-email/confirm/" + "x" * 2000)
    assert refused.status_code == 400 and REFUSED in shown(refused)


def local(app, moment) -> str:
    """A moment stored in UTC as people read it: in TIMEZONE (Paris by default)."""
    zone = ZoneInfo(app.config["TIMEZONE"])
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def test_the_page_shows_when_the_last_code_was_sent_and_what_became_of_it(
    app, client, actors, alice, refusing_smtp, mail_catcher
):
    page = shown(sign_in_to_account(client, mail_catcher))
    with app.app_context():
        sent = db.session.scalar(db.select(Delivery))
    when = local(app, sent.created_at)
    assert f"Dernier code envoyé à cette adresse : le {when} (envoyé)" in page

    browser = app.test_client()
    sign_in_page, _ = start(browser, actors, actors.rp(min_acr="mfa"))
    with app_settings(app, MAIL_PORT=refusing_smtp.port):
        password_step(browser, sign_in_page, "email")
    with app.app_context():
        failed = db.session.scalar(db.select(Delivery).order_by(Delivery.id.desc()))
    assert failed.status == "failed"
    when = local(app, failed.created_at)
    assert f"Dernier code envoyé à cette adresse : le {when} (échec de l'envoi)" \
        in shown(client.get("/account"))


def test_without_a_code_record_the_page_says_none_was_sent(app, client, alice, mail_catcher):
    sign_in_to_account(client, mail_catcher)
    with app.app_context():
        db.session.execute(db.delete(Delivery))
        db.session.commit()

    page = shown(client.get("/account"))

    assert "Aucun code envoyé à cette adresse pour le moment." in page
    assert "Dernier code envoyé" not in page
