"""The person's account page: reached through the normal sign-in at level mfa, it shows who
they are (contact details masked), turns Google Authenticator on and off, and hands out
recovery codes once."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from idp.extensions import db
from idp.models import Client, FailureCounter, RecoveryCode, TotpCredential

from ..helpers import audit_events, csrf_token
from ..interaction.second_factor_journey import (
    ALICE,
    ALICE_PHONE,
    code_page,
    finish,
    id_token_of,
    password_step,
    shown,
    start,
    type_code,
)
from .account_journey import enrol_authenticator, follow, post, sign_in_to_account


@pytest.fixture
def alice(actors):
    return actors.user(phone=ALICE_PHONE)


def test_without_a_session_the_page_sends_the_person_through_the_sign_in(app, client, alice):
    response = client.get("/account")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert target.path == "/authorize"
    assert params["acr_values"] == "mfa" and params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://localhost/account/callback"
    with app.app_context():
        portal = db.session.scalar(db.select(Client).where(Client.client_id == params["client_id"]))
        assert (portal.name, portal.first_party, portal.min_acr) == (
            "Espace personnel MSSanté", True, "mfa")
    client.get("/account")
    with app.app_context():  # created on first use only
        assert db.session.scalar(db.select(db.func.count(Client.id))) == 1


def test_the_page_shows_who_the_person_is_with_contacts_masked(client, alice, mail_catcher):
    account = sign_in_to_account(client, mail_catcher)
    page = shown(account)
    assert "Alice Martin" in page and ALICE in page
    assert "a***@example.org" in page and "alice@example.org" not in page
    assert "+33 6** ** ** 44" in page and ALICE_PHONE not in page
    assert account.headers["Cache-Control"] == "no-store"


def test_a_password_only_session_is_asked_for_the_second_factor(client, actors, alice,
                                                                  mail_catcher):
    actors.sign_in(client, actors.rp(min_acr="pwd", name="Annuaire"))
    response = client.get(client.get("/account").headers["Location"])  # pwd is not enough
    page = client.get(response.headers["Location"])
    assert 'name="password"' not in page.text and "Authentification à deux facteurs" in shown(page)


def test_a_callback_without_the_state_it_was_sent_with_is_refused(client, alice, mail_catcher):
    sign_in_to_account(client, mail_catcher)
    response = client.get("/account/callback?code=x&state=forged")
    assert response.status_code == 400
    assert "Ce lien de connexion n'est plus valable" in shown(response)


def test_cancelling_the_sign_in_leaves_the_page_closed(client, alice):
    response = client.get(client.get("/account").headers["Location"])
    page = client.get(response.headers["Location"])
    cancelled = follow(client, post(client, page, urlsplit(response.headers["Location"]).path
                                    + "/abort"))
    assert cancelled.status_code == 403
    assert "votre espace personnel reste fermé" in shown(cancelled)


def test_activating_google_authenticator_shows_a_qr_code_and_the_secret(app, client, alice,
                                                                        mail_catcher):
    account = sign_in_to_account(client, mail_catcher)
    assert "Non activé" in shown(account)
    page = follow(client, post(client, account, "/account/authenticator"))
    assert re.search(r'<svg [^>]*class="segno"', page.text)
    assert "script" not in page.text and "style=" not in page.text  # the CSP stays strict
    assert re.search(r'<code class="secret">[A-Z2-7]{4}( [A-Z2-7]{4}){7}</code>', page.text)
    assert ALICE in page.text and page.headers["Cache-Control"] == "no-store"
    again = follow(client, post(client, account, "/account/authenticator"))
    assert re.search(r'class="secret">([^<]+)<', again.text).group(1) == \
        re.search(r'class="secret">([^<]+)<', page.text).group(1)  # same secret until confirmed


def test_a_wrong_first_code_leaves_the_authenticator_off(app, client, alice, mail_catcher):
    account = sign_in_to_account(client, mail_catcher)
    page = follow(client, post(client, account, "/account/authenticator"))
    refused = post(client, page, "/account/authenticator/confirm", code="12")
    assert refused.status_code == 200 and "Code incorrect." in shown(refused)
    with app.app_context():
        assert db.session.scalar(db.select(TotpCredential.confirmed_at)) is None
    assert audit_events(app, "totp.enabled") == []


def test_after_activation_google_authenticator_signs_in(app, client, actors, alice,
                                                        mail_catcher):
    phone = enrol_authenticator(client, sign_in_to_account(client, mail_catcher))
    assert "Activé" in shown(client.get("/account"))
    assert len(audit_events(app, "totp.enabled")) == 1

    browser = app.test_client()  # another day, another browser
    rp = actors.rp(min_acr="mfa")
    page, verifier = start(browser, actors, rp)
    screen = code_page(browser, password_step(browser, page, "totp"))
    assert "Saisissez le code affiché par Google Authenticator" in shown(screen)
    sent = len(mail_catcher.messages())
    code = phone.at(time.time() + 30)  # the next step: the confirmation used this one
    query = finish(browser, type_code(browser, screen, code), rp)
    claims = id_token_of(browser, actors, rp, query, verifier)
    assert (claims["acr"], claims["amr"]) == ("mfa", ["pwd", "otp", "mfa"])
    assert len(mail_catcher.messages()) == sent  # nothing was sent


def test_a_wrong_or_replayed_authenticator_code_does_not_sign_in(app, client, actors, alice,
                                                                mail_catcher):
    phone = enrol_authenticator(client, sign_in_to_account(client, mail_catcher))
    confirmation = phone.now()
    browser = app.test_client()
    rp = actors.rp(min_acr="mfa")
    page, _ = start(browser, actors, rp)
    screen = code_page(browser, password_step(browser, page, "totp"))
    wrong = type_code(browser, screen, "000000" if confirmation != "000000" else "111111")
    assert wrong.status_code == 200 and "Code incorrect" in shown(wrong)
    replayed = type_code(browser, screen, confirmation)  # the code that confirmed the app
    assert replayed.status_code == 200
    reasons = [e.detail["reason"] for e in audit_events(app, "login.code_failed")]
    assert reasons == ["wrong", "replayed"]
    screen = code_page(browser, password_step(browser, start(browser, actors, rp)[0], "totp"))
    finish(browser, type_code(browser, screen, phone.at(time.time() + 30)), rp)


def test_a_code_for_another_time_is_answered_and_counted_like_a_blind_guess(app, client, actors,
                                                                          alice, mail_catcher):
    """A guess that is the phone's code of a later time must not be told apart: it would sign
    in when that time comes."""
    phone = enrol_authenticator(client, sign_in_to_account(client, mail_catcher))
    browser = app.test_client()
    page, _ = start(browser, actors, actors.rp(min_acr="mfa"))
    screen = code_page(browser, password_step(browser, page, "totp"))
    now = time.time()
    later = phone.at(now + 5 * 30)  # right in two and a half minutes
    any_time = {phone.at(now + steps * 30) for steps in range(-25, 26)}
    blind = next(code for code in (f"{n:06d}" for n in range(10 ** 6)) if code not in any_time)
    answers = []
    for guess in (later, blind):
        response = type_code(browser, screen, guess)
        with app.app_context():
            failures = db.session.scalar(db.select(FailureCounter.failures).where(
                FailureCounter.kind == "code"))
        answers.append((response.status_code, _without_csrf_token(shown(response)), failures))
    assert answers[0][0] == 200 and "Code incorrect." in answers[0][1]
    assert answers[0][:2] == answers[1][:2]  # the same status, the same page
    assert [failures for *_, failures in answers] == [1, 2]  # each counts against the lockout
    reasons = [e.detail["reason"] for e in audit_events(app, "login.code_failed")]
    assert reasons == ["wrong", "wrong"]


def _without_csrf_token(page: str) -> str:
    return page.replace(csrf_token(page), "")


def test_deactivating_takes_google_authenticator_away(app, client, actors, alice, mail_catcher):
    enrol_authenticator(client, sign_in_to_account(client, mail_catcher))
    done = follow(client, post(client, client.get("/account"), "/account/authenticator/remove"))
    assert "Google Authenticator est désactivé" in shown(done) and "Non activé" in shown(done)
    with app.app_context():
        assert db.session.scalar(db.select(TotpCredential)) is None
    assert len(audit_events(app, "totp.removed")) == 1
    browser = app.test_client()
    page, _ = start(browser, actors, actors.rp(min_acr="mfa", name="Autre"))
    refused = password_step(browser, page, "totp")
    assert "Google Authenticator n'est pas activé pour ce compte" in shown(refused)


def test_recovery_codes_are_shown_once_and_stored_hashed(app, client, alice, mail_catcher):
    account = sign_in_to_account(client, mail_catcher)
    assert "Vous n'avez aucun code de secours" in shown(account)
    response = post(client, account, "/account/recovery-codes")
    codes = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4})</code></li>", response.text)
    assert len(codes) == 10 and response.headers["Cache-Control"] == "no-store"
    overview = client.get("/account")
    assert "Il vous reste 10 code(s)" in shown(overview)
    assert not any(code in overview.text for code in codes)  # never shown again
    with app.app_context():
        stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    again = post(client, overview, "/account/recovery-codes")
    new = re.findall(r"<li><code>([a-z2-9-]{9})</code></li>", again.text)
    assert len(new) == 10 and not set(new) & set(codes)
    assert len(audit_events(app, "recovery_codes.generated")) == 2


@pytest.mark.parametrize("action", ["/account/authenticator", "/account/authenticator/confirm",
                                    "/account/authenticator/remove", "/account/recovery-codes"])
def test_every_action_needs_its_csrf_token(app, client, alice, mail_catcher, action):
    sign_in_to_account(client, mail_catcher)
    refused = client.post(action, data={"code": "123456"})
    assert refused.status_code == 400 and "Le formulaire a expiré" in shown(refused)
    with app.app_context():
        assert db.session.scalar(db.select(RecoveryCode)) is None
        assert db.session.scalar(db.select(TotpCredential)) is None


def test_actions_of_a_password_only_session_are_sent_to_the_sign_in(app, client, actors,
                                                                     alice):
    actors.sign_in(client, actors.rp(min_acr="pwd", name="Annuaire"))
    page, _ = start(client, actors, actors.rp(min_acr="mfa"))  # a page with a valid CSRF token
    for action in ("/account/recovery-codes", "/account/authenticator"):
        response = client.post(action, data={"csrf_token": csrf_token(page.text)})
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/authorize"
    with app.app_context():
        assert db.session.scalar(db.select(RecoveryCode)) is None
        assert db.session.scalar(db.select(TotpCredential)) is None
