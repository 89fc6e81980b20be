"""Consent: an app that is not the operator's own asks the person once what it may know;
« Autoriser » is remembered for that app and those scopes, « Refuser » tells the app
access_denied, and asking for more asks again."""

from __future__ import annotations

import re

import pytest

from idp.extensions import db
from idp.models import Consent

from ..helpers import PASSWORD, Actors, csrf_token, query_of

ALICE = "alice.martin@chu-test.mssante.fr"
ISSUER = "http://localhost"


@pytest.fixture
def partner(actors):
    """Alice, and an app of a partner (not first-party) that may ask for any scope."""
    actors.user()
    return actors.rp(name="Agenda Partenaire", first_party=False)


def follow(browser, response):
    """Follow the provider's own redirects until a page, or an answer to the app."""
    while response.status_code == 302 and response.headers["Location"].startswith("/"):
        response = browser.get(response.headers["Location"])
    return response


def authorize(browser, rp, username=ALICE, **extra):
    """Send an authorization request, signing in if asked; returns (params, next page/answer)."""
    params = Actors.auth_params(rp, **extra)
    response = follow(browser, browser.get("/authorize", query_string=params))
    if response.status_code == 200 and 'name="password"' in response.text:
        action = re.search(r'action="([^"]*/login)"', response.text).group(1)
        response = follow(browser, browser.post(action, data={
            "username": username, "password": PASSWORD, "csrf_token": csrf_token(response.text)}))
    return params, response


def is_consent_screen(response) -> bool:
    return response.status_code == 200 and 'name="decision"' in response.text


def decide(browser, screen, decision: str, with_token=True):
    """Press « Autoriser » (allow) or « Refuser » (deny) on the consent screen."""
    action = re.search(r'action="([^"]*/consent)"', screen.text).group(1)
    data = {"decision": decision}
    if with_token:
        data["csrf_token"] = csrf_token(screen.text)
    response = browser.post(action, data=data)
    return follow(browser, response) if response.status_code == 302 else response


def answer(response, rp) -> dict[str, str]:
    """What the app receives at its redirect URI."""
    assert response.status_code == 302 and response.headers["Location"].startswith(
        rp.redirect_uri + "?"), response.text[:300]
    return query_of(response.headers["Location"])


def test_a_partner_app_shows_what_it_asks_before_the_first_code(client, partner):
    """After the password, the person sees the app's name and what it will know."""
    _, screen = authorize(client, partner, scope="openid profile email")
    assert is_consent_screen(screen)
    assert "Autoriser « Agenda Partenaire » ?" in screen.text
    for label in ("Vous identifier", "Connaître vos nom et prénom",
                  "Connaître votre adresse MSSanté"):
        assert label in screen.text
    assert "boîtes aux lettres" not in screen.text
    assert "Autoriser</button>" in screen.text and "Refuser</button>" in screen.text
    assert "frame-ancestors 'none'" in screen.headers["Content-Security-Policy"]


def test_the_screen_lists_only_what_the_app_may_receive(client, actors):
    """Scopes the app was not registered for are neither shown nor granted."""
    actors.user()
    rp = actors.rp(name="Annuaire", first_party=False, scope="openid profile")
    _, screen = authorize(client, rp, scope="openid profile email")
    assert "Connaître vos nom et prénom" in screen.text
    assert "adresse MSSanté" not in screen.text
    assert "code" in answer(decide(client, screen, "allow"), rp)
    with client.application.app_context():
        assert db.session.scalar(db.select(Consent.scope)) == "openid profile"


def test_after_autoriser_the_app_gets_its_code_and_is_not_asked_about_again(client, partner):
    """Once allowed, the next authorizations for the same scopes need no screen at all."""
    params, screen = authorize(client, partner)
    query = answer(decide(client, screen, "allow"), partner)
    assert "code" in query and query["state"] == params["state"] and query["iss"] == ISSUER
    _, again = authorize(client, partner)
    assert "code" in answer(again, partner)
    _, narrower = authorize(client, partner, scope="openid")
    assert "code" in answer(narrower, partner)


def test_consent_is_remembered_per_app(client, actors, partner):
    """Allowing one partner app does not allow another."""
    _, screen = authorize(client, partner)
    decide(client, screen, "allow")
    other = actors.rp(name="Laboratoire", first_party=False)
    _, screen = authorize(client, other)
    assert is_consent_screen(screen) and "« Laboratoire »" in screen.text


def test_consent_is_remembered_per_person(app, client, actors, partner):
    """Alice allowing an app does not allow it for Bob."""
    _, screen = authorize(client, partner)
    decide(client, screen, "allow")
    bob = "bob.durand@chu-test.mssante.fr"
    actors.user(bob, name="Bob Durand", notification_email="bob@example.org")
    _, screen = authorize(app.test_client(), partner, username=bob)
    assert is_consent_screen(screen)


def test_asking_for_more_than_was_allowed_asks_again(client, partner):
    """A wider scope shows the screen again; afterwards old and new scopes are both allowed."""
    _, screen = authorize(client, partner, scope="openid profile")
    decide(client, screen, "allow")
    _, screen = authorize(client, partner, scope="openid mailboxes")
    assert is_consent_screen(screen)
    assert "Connaître les boîtes aux lettres que vous pouvez ouvrir" in screen.text
    assert "code" in answer(decide(client, screen, "allow"), partner)
    for scope in ("openid profile", "openid mailboxes", "openid profile mailboxes"):
        assert "code" in answer(authorize(client, partner, scope=scope)[1], partner), scope


def test_a_person_who_refuses_returns_to_the_app_with_access_denied(client, partner):
    """« Refuser » sends the person back with access_denied, the state and iss; nothing is
    remembered, so the next authorization asks again."""
    params, screen = authorize(client, partner)
    assert answer(decide(client, screen, "deny"), partner) == {
        "error": "access_denied", "state": params["state"], "iss": ISSUER}
    _, screen = authorize(client, partner)
    assert is_consent_screen(screen)


def test_prompt_consent_shows_the_screen_again(client, partner):
    """prompt=consent asks again even though the app was allowed before."""
    _, screen = authorize(client, partner)
    decide(client, screen, "allow")
    params, screen = authorize(client, partner, prompt="consent")
    assert is_consent_screen(screen)
    query = answer(decide(client, screen, "allow"), partner)
    assert "code" in query and query["state"] == params["state"]


def test_prompt_none_without_consent_returns_consent_required(client, actors, partner):
    """A silent request for an app not yet allowed gets consent_required, with its state."""
    actors.sign_in(client, actors.rp(name="Webmail"))
    params, response = authorize(client, partner, prompt="none")
    assert answer(response, partner) == {
        "error": "consent_required", "state": params["state"], "iss": ISSUER}


def test_the_operators_own_apps_never_ask_for_consent(client, actors):
    """A first-party app goes straight from the password to the code."""
    actors.user()
    rp = actors.rp(first_party=True)
    _, response = authorize(client, rp)
    assert "code" in answer(response, rp)


def test_a_consent_form_without_csrf_token_is_refused(client, partner):
    """A consent posted without its CSRF token is refused and records nothing."""
    _, screen = authorize(client, partner)
    for decision in ("allow", "deny"):
        assert decide(client, screen, decision, with_token=False).status_code == 400
    with client.application.app_context():
        assert db.session.scalar(db.select(Consent)) is None
    assert "code" in answer(decide(client, screen, "allow"), partner)


def test_a_consent_screen_cannot_be_answered_twice(client, partner):
    """Once answered, the same consent form cannot be posted again."""
    _, screen = authorize(client, partner)
    answer(decide(client, screen, "allow"), partner)
    assert decide(client, screen, "deny").status_code == 400
