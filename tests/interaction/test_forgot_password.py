"""« Mot de passe oublié ? »: a single-use link sent to the notification e-mail, a new password
that passes the policy, every session ended, the person told. The e-mails really travel to the
mail catcher; a real HTTP server plays a client's back-channel logout endpoint."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.accounts import lockout
from idp.extensions import db
from idp.models import AuditEvent, PasswordResetToken, SsoSession, User
from idp.models.base import utcnow

from ..helpers import PASSWORD, csrf_token
from ..oidc.test_backchannel_logout import Receiver
from .second_factor_journey import ALICE, ALICE_NOTIFICATIONS, shown

NEW_PASSWORD = "Trois chats dorment sous la glycine"
SENT = "Si un compte correspond, un lien vient d'être envoyé à son adresse de notification."


@pytest.fixture
def rp(actors):
    """Alice, and a webmail content with the password."""
    actors.user()
    return actors.rp()


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def ask_link(browser, username=ALICE):
    """Fill the « Mot de passe oublié ? » page."""
    page = browser.get("/password/forgot")
    assert page.status_code == 200
    return browser.post("/password/forgot", data={"username": username,
                                                  "csrf_token": csrf_token(page.text)})


def link_in(mail) -> str:
    """The path of the reset link of an e-mail."""
    link = re.search(r"http://localhost(/password/reset/\S+)", mail["text"]).group(1)
    assert link in mail["html"]
    return link


def choose(browser, link, password=NEW_PASSWORD, confirmation=None):
    """Open the link and type the new password twice."""
    page = browser.get(link)
    assert page.status_code == 200, page.text[:300]
    return browser.post(link, data={"password": password,
                                    "confirmation": password if confirmation is None
                                    else confirmation,
                                    "csrf_token": csrf_token(page.text)})


def sign_in(browser, actors, rp, password):
    """Sign in on a new authorization request; the response after the password step."""
    response = browser.get("/authorize", query_string=actors.auth_params(rp))
    return actors.login(browser, response, password=password)


def signed_in(response) -> bool:
    """True when the password step went on to the client."""
    return response.status_code == 302 and not urlsplit(
        response.headers["Location"]).path.startswith("/interaction")


def password_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(db.select(User.password_hash))


def events(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.event).order_by(AuditEvent.id)))


def test_forgotten_password_to_signing_in_with_the_new_one(app, client, actors, rp,
                                                          mail_catcher):
    answer = ask_link(client)
    assert answer.status_code == 200 and SENT in shown(answer)
    [mail] = mail_catcher.messages("email")
    assert mail["to"] == [ALICE_NOTIFICATIONS]  # never the MSSanté address
    assert mail["subject"] == "Changement de votre mot de passe MSSanté"
    assert ALICE in mail["text"] and "valable 30 minutes" in mail["text"]

    done = choose(client, link_in(mail))
    assert done.status_code == 200
    assert "Votre mot de passe a été changé" in shown(done)

    assert signed_in(sign_in(app.test_client(), actors, rp, NEW_PASSWORD))
    refused = sign_in(app.test_client(), actors, rp, PASSWORD)
    assert refused.status_code == 200 and "Identifiant ou mot de passe incorrect." in shown(refused)
    assert {"password.reset_requested", "password.reset_done"} <= set(events(app))


def test_the_person_is_told_by_email_that_the_password_changed(client, rp, mail_catcher):
    ask_link(client)
    choose(client, link_in(mail_catcher.messages("email")[0]))
    told, _link = mail_catcher.messages("email")
    assert told["to"] == [ALICE_NOTIFICATIONS]
    assert told["subject"] == "Votre mot de passe MSSanté a été changé"
    assert f"Le mot de passe de votre compte MSSanté {ALICE} vient d'être changé" in told["text"]
    assert "support@example.org" in told["text"] and ALICE in told["html"]


def test_an_unknown_account_gets_the_same_answer_and_nothing_is_sent(app, client, rp,
                                                                     mail_catcher):
    known = ask_link(client)
    mail_catcher.clear()
    unknown = ask_link(app.test_client(), "nobody.here@chu-test.mssante.fr")

    assert unknown.status_code == known.status_code == 200
    assert unknown.data == known.data
    assert mail_catcher.messages() == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PasswordResetToken.id))) == 1
    assert "password.reset_request_ignored" in events(app)


def test_a_link_works_once(app, client, actors, rp, mail_catcher):
    ask_link(client)
    link = link_in(mail_catcher.messages("email")[0])
    page = client.get(link)
    assert choose(client, link).status_code == 200

    again = client.get(link)
    assert again.status_code == 400
    assert "n'est plus valable" in shown(again)
    replay = client.post(link, data={"password": "Un autre mot de passe tout neuf",
                                     "confirmation": "Un autre mot de passe tout neuf",
                                     "csrf_token": csrf_token(page.text)})
    assert replay.status_code == 400
    assert signed_in(sign_in(app.test_client(), actors, rp, NEW_PASSWORD))


def test_an_expired_link_is_refused(app, client, rp, mail_catcher):
    ask_link(client)
    link = link_in(mail_catcher.messages("email")[0])
    before = password_hash(app)
    with app.app_context():
        db.session.execute(db.update(PasswordResetToken).values(  # 31 minutes later
            created_at=utcnow() - timedelta(minutes=31),
            expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()

    expired = client.get(link)
    assert expired.status_code == 400
    assert "expiré" in shown(expired)
    assert 'href="/password/forgot"' in expired.text
    assert password_hash(app) == before


def test_an_unknown_link_is_refused(client, rp):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 400
    assert "n'est plus valable" in shown(response)


def test_a_new_link_replaces_the_previous_one(app, client, actors, rp, mail_catcher):
    ask_link(client)
    first = link_in(mail_catcher.messages("email")[0])
    with app.app_context():  # a minute later
        db.session.execute(db.update(PasswordResetToken).values(
            created_at=utcnow() - timedelta(seconds=61)))
        db.session.commit()
    ask_link(client)
    second = link_in(mail_catcher.messages("email")[0])

    assert second != first
    assert client.get(first).status_code == 400
    assert choose(client, second).status_code == 200


def test_asking_again_within_a_minute_sends_nothing_and_answers_the_same(app, client, rp,
                                                                        mail_catcher):
    first = ask_link(client)
    again = ask_link(client)
    assert again.data == first.data
    assert len(mail_catcher.messages("email")) == 1


@pytest.mark.parametrize(("password", "confirmation", "reason"), [
    ("Court-2026!", None, "Le mot de passe doit contenir au moins 12 caractères."),
    ("Azertyuiop123", None, "Ce mot de passe figure dans une liste de mots de passe divulgués"),
    ("alice.martin est là 2026", None, "Le mot de passe ne doit pas contenir votre identifiant."),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "Les deux mots de passe saisis ne sont pas identiques."),
])
def test_a_password_against_the_policy_is_explained_and_changes_nothing(
    app, client, actors, rp, mail_catcher, password, confirmation, reason
):
    ask_link(client)
    link = link_in(mail_catcher.messages("email")[0])
    before = password_hash(app)

    refused = choose(client, link, password, confirmation)
    assert refused.status_code == 400
    assert reason in shown(refused)
    assert 'role="alert"' in refused.text
    assert password_hash(app) == before
    assert len(mail_catcher.messages("email")) == 1  # no "password changed" e-mail
    assert "password.reset_failed" in events(app)
    assert choose(client, link).status_code == 200  # the link still works


def test_every_session_of_the_person_ends_and_clients_are_told(app, client, actors,
                                                               mail_catcher, receiver):
    actors.user()
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    other_browser = app.test_client()
    id_token = actors.tokens(client, rp)["id_token"]
    actors.tokens(other_browser, rp)

    ask_link(app.test_client())
    choose(app.test_client(), link_in(mail_catcher.messages("email")[0]))

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SsoSession.id))
                                 .where(SsoSession.ended_at.is_(None))) == 0
    keys = KeySet.import_key_set(client.get("/jwks.json").json)
    told = [jwt.decode(token, keys).claims for token in receiver.tokens_for()]
    assert len({claims["sid"] for claims in told}) == 2  # one logout token per session
    assert jwt.decode(id_token, keys).claims["sid"] in {claims["sid"] for claims in told}
    for browser in (client, other_browser):  # no longer signed in: the sign-in screen again
        response = browser.get("/authorize", query_string=actors.auth_params(rp))
        assert urlsplit(response.headers["Location"]).path.startswith("/interaction")


def test_a_reset_forgets_the_password_failures(app, client, actors, rp, mail_catcher):
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id))
        for _ in range(app.config["LOCKOUT_FREE_FAILURES"] + 1):
            lockout.record_failure(lockout.password_allowance(ALICE, user_id))
        db.session.commit()
    assert not signed_in(sign_in(app.test_client(), actors, rp, PASSWORD))  # blocked

    ask_link(client)
    choose(client, link_in(mail_catcher.messages("email")[0]))
    assert signed_in(sign_in(app.test_client(), actors, rp, NEW_PASSWORD))


def test_the_forms_need_their_csrf_token(app, client, rp, mail_catcher):
    refused = client.post("/password/forgot", data={"username": ALICE})
    assert refused.status_code == 400
    assert mail_catcher.messages() == []

    ask_link(client)
    link = link_in(mail_catcher.messages("email")[0])
    before = password_hash(app)
    forged = client.post(link, data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert forged.status_code == 400
    assert password_hash(app) == before
    assert choose(client, link).status_code == 200


def test_the_link_uses_the_issuer_not_the_host_the_browser_sent(client, rp, mail_catcher):
    page = client.get("/password/forgot", headers={"Host": "evil.example"})
    client.post("/password/forgot", headers={"Host": "evil.example"},
                data={"username": ALICE, "csrf_token": csrf_token(page.text)})
    [mail] = mail_catcher.messages("email")
    assert "evil.example" not in mail["text"]
    assert "http://localhost/password/reset/" in mail["text"]
