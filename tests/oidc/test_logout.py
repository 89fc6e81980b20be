"""RP-initiated logout at the end_session_endpoint: who may end a session, and where the
browser goes afterwards."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from idp.oidc.keys import key_ring

from ..helpers import csrf_token, live_sessions, pkce_pair, query_of
from .test_backchannel_logout import receiver  # noqa: F401 - fixture

BYE = "https://rp.example.org/bye"


def endpoint(browser, name: str) -> str:
    """An endpoint URL, found through discovery as an outside client would."""
    return browser.get("/.well-known/openid-configuration").json[name]


def id_token_claims(browser, id_token: str) -> dict:
    keys = KeySet.import_key_set(browser.get(endpoint(browser, "jwks_uri")).json)
    return dict(jwt.decode(id_token, keys).claims)


def asks_for_password(browser, actors, rp) -> bool:
    """True when a new authorization request sends the browser to the sign-in screen."""
    response = browser.get("/authorize", query_string=actors.auth_params(rp))
    assert response.status_code == 302
    return urlsplit(response.headers["Location"]).path.startswith("/interaction")


@pytest.fixture
def id_token(client, actors, rp) -> str:
    """An ID token from a sign-in in ``client``, whose SSO session is now live."""
    token = actors.tokens(client, rp)["id_token"]
    assert not asks_for_password(client, actors, rp)
    return token


@pytest.fixture
def logout_url(client):
    return endpoint(client, "end_session_endpoint")


def test_discovery_names_the_end_session_endpoint(client):
    assert urlsplit(endpoint(client, "end_session_endpoint")).path == "/logout"


def test_an_id_token_hint_and_a_registered_uri_end_the_session_and_return_with_the_state(
    app, client, actors, rp, id_token, logout_url
):
    response = client.get(logout_url, query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": BYE, "state": "st-42",
    })
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.split("?")[0] == BYE
    assert query_of(location) == {"state": "st-42"}
    assert live_sessions(app) == 0
    assert asks_for_password(client, actors, rp)


def test_the_same_logout_works_as_a_post(app, client, actors, rp, id_token, logout_url):
    response = client.post(logout_url, data={
        "id_token_hint": id_token, "post_logout_redirect_uri": BYE, "state": "st-7",
        "client_id": rp.client_id,
    })
    assert response.status_code == 302
    assert query_of(response.headers["Location"]) == {"state": "st-7"}
    assert asks_for_password(client, actors, rp)


def test_without_a_state_the_redirect_carries_no_state(client, rp, id_token, logout_url):
    response = client.get(logout_url, query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": BYE,
    })
    assert response.headers["Location"] == BYE


def test_an_unregistered_post_logout_uri_ends_the_session_without_redirecting(
    app, client, actors, rp, id_token, logout_url
):
    response = client.get(logout_url, query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example.com/bye",
        "state": "st-1",
    })
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Vous êtes déconnecté" in response.text
    assert "evil.example.com" not in response.text
    assert asks_for_password(client, actors, rp)


def test_an_id_token_hint_without_a_post_logout_uri_shows_the_logged_out_page(
    client, actors, rp, id_token, logout_url
):
    response = client.get(logout_url, query_string={"id_token_hint": id_token})
    assert response.status_code == 200
    assert "Vous êtes déconnecté" in response.text
    assert asks_for_password(client, actors, rp)


def test_without_an_id_token_hint_the_person_is_asked_to_confirm(
    app, client, actors, rp, id_token, logout_url
):
    response = client.get(logout_url, query_string={"client_id": rp.client_id})
    assert response.status_code == 200
    assert "Se déconnecter ?" in response.text
    assert "Webmail" in response.text
    assert 'name="csrf_token"' in response.text
    assert live_sessions(app) == 1
    assert not asks_for_password(client, actors, rp)


def test_the_confirmation_posted_without_its_csrf_token_is_refused(
    app, client, actors, rp, id_token, logout_url
):
    client.get(logout_url)
    response = client.post(logout_url, data={"confirm": "yes"})
    assert response.status_code == 400
    assert live_sessions(app) == 1
    assert not asks_for_password(client, actors, rp)


def test_the_confirmation_posted_with_a_wrong_csrf_token_is_refused(
    app, client, actors, rp, id_token, logout_url
):
    client.get(logout_url)
    response = client.post(logout_url, data={"confirm": "yes", "csrf_token": "forged"})
    assert response.status_code == 400
    assert live_sessions(app) == 1


def test_a_post_without_the_confirm_button_only_shows_the_confirmation_again(
    app, client, actors, rp, id_token, logout_url
):
    page = client.get(logout_url)
    response = client.post(logout_url, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 200
    assert "Se déconnecter ?" in response.text
    assert live_sessions(app) == 1


def test_the_confirmation_posted_with_its_csrf_token_logs_out(
    app, client, actors, rp, id_token, logout_url
):
    page = client.get(logout_url)
    response = client.post(logout_url, data={
        "confirm": "yes", "csrf_token": csrf_token(page.text),
    })
    assert response.status_code == 200
    assert "Vous êtes déconnecté" in response.text
    assert live_sessions(app) == 0
    assert asks_for_password(client, actors, rp)


def test_a_confirmed_logout_without_id_token_hint_does_not_redirect(
    client, rp, id_token, logout_url
):
    page = client.get(logout_url, query_string={
        "client_id": rp.client_id, "post_logout_redirect_uri": BYE, "state": "st-9",
    })
    assert f'value="{BYE}"' in page.text  # the confirmation carries the request along
    response = client.post(logout_url, data={
        "confirm": "yes", "csrf_token": csrf_token(page.text), "client_id": rp.client_id,
        "post_logout_redirect_uri": BYE, "state": "st-9",
    })
    assert response.status_code == 200
    assert "Location" not in response.headers


def test_parameters_echoed_in_the_confirmation_page_are_escaped(client, logout_url):
    page = client.get(logout_url, query_string={"state": '"><script>alert(1)</script>'})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text


def forged_with_a_foreign_key(browser, claims: dict) -> str:
    """Our real claims, signed by a key that is not ours but claims our key id."""
    kid = browser.get(endpoint(browser, "jwks_uri")).json["keys"][0]["kid"]
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, RSAKey.generate_key(2048))


def b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def tampered(id_token: str, claims: dict) -> str:
    """Our real ID token with another subject in its payload (signature unchanged)."""
    header, _, signature = id_token.split(".")
    return f"{header}.{b64({**claims, 'sub': 'someone-else'})}.{signature}"


@pytest.mark.parametrize("forge", ["foreign_key", "tampered", "unsigned", "garbage"])
def test_a_forged_id_token_hint_gets_a_400_page_and_the_session_goes_on(
    app, client, actors, rp, id_token, logout_url, forge
):
    claims = id_token_claims(client, id_token)
    hint = {
        "foreign_key": lambda: forged_with_a_foreign_key(client, claims),
        "tampered": lambda: tampered(id_token, claims),
        "unsigned": lambda: f"{b64({'alg': 'none'})}.{b64(claims)}.",
        "garbage": lambda: "not-a-jwt",
    }[forge]()
    response = client.get(logout_url, query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": BYE, "state": "st-x",
    })
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.text
    assert live_sessions(app) == 1
    assert not asks_for_password(client, actors, rp)


def test_a_client_id_that_is_not_the_id_tokens_audience_gets_a_400_page(
    app, client, actors, rp, id_token, logout_url
):
    other = actors.rp(name="Autre application")
    response = client.get(logout_url, query_string={
        "id_token_hint": id_token, "client_id": other.client_id, "post_logout_redirect_uri": BYE,
    })
    assert response.status_code == 400
    assert live_sessions(app) == 1


def test_an_expired_id_token_hint_is_still_accepted(app, client, actors, rp, id_token,
                                                    logout_url):
    claims = id_token_claims(client, id_token)
    claims.update(iat=claims["iat"] - 7200, exp=int(time.time()) - 3600)
    with app.app_context():
        kid, key = key_ring(app).signing_key("RS256")
    old_token = jwt.encode({"alg": "RS256", "kid": kid}, claims, key)
    response = client.get(logout_url, query_string={
        "id_token_hint": old_token, "post_logout_redirect_uri": BYE,
    })
    assert response.status_code == 302
    assert asks_for_password(client, actors, rp)


def test_a_hint_from_a_browser_without_its_session_ends_nothing_unconfirmed(
    app, client, actors, receiver, logout_url  # noqa: F811 - the fixture
):
    actors.user()
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    id_token = actors.tokens(client, rp)["id_token"]
    stranger = app.test_client()  # a link followed in a browser that never signed in
    for ask in (stranger.get, stranger.post):
        params = {"id_token_hint": id_token, "post_logout_redirect_uri": BYE}
        page = ask(logout_url, **({"query_string": params} if ask == stranger.get
                                  else {"data": params}))
        assert page.status_code == 200
        assert "Se déconnecter ?" in page.text
    assert live_sessions(app) == 1
    assert receiver.received == []  # no client was told of a logout
    assert not asks_for_password(client, actors, rp)

    confirmed = stranger.post(logout_url, data={
        "confirm": "yes", "csrf_token": csrf_token(page.text), "id_token_hint": id_token,
        "post_logout_redirect_uri": BYE})
    assert confirmed.headers["Location"] == BYE
    assert live_sessions(app) == 0
    assert len(receiver.tokens_for()) == 1
    assert asks_for_password(client, actors, rp)


def test_a_hint_whose_session_already_ended_asks_nothing(app, client, actors, rp, id_token,
                                                        logout_url):
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": BYE}
    assert client.get(logout_url, query_string=params).status_code == 302
    elsewhere = app.test_client().get(logout_url, query_string=params)
    assert elsewhere.headers["Location"] == BYE  # nothing left to end: no question


def id_token_of(actors, browser, rp, username: str) -> str:
    """Sign in as ``username`` in ``browser`` and redeem the code: the ID token."""
    verifier, challenge = pkce_pair()
    response = browser.get("/authorize", query_string=actors.auth_params(
        rp, code_challenge=challenge, code_challenge_method="S256"))
    response = browser.get(actors.login(browser, response, username=username).headers["Location"])
    code = query_of(response.headers["Location"])["code"]
    return actors.redeem(browser, rp, code, verifier).json["id_token"]


def test_an_id_token_hint_of_another_person_does_not_log_this_browser_out_unasked(
    app, client, actors, rp, id_token, logout_url
):
    bob = actors.user("bob.durand@chu-test.mssante.fr", name="Bob Durand",
                      notification_email="bob@example.org")
    bob_token = id_token_of(actors, app.test_client(), rp, bob)
    response = client.get(logout_url, query_string={
        "id_token_hint": bob_token, "post_logout_redirect_uri": BYE,
    })
    assert response.status_code == 200
    assert "Se déconnecter ?" in response.text
    assert live_sessions(app) == 2
    assert not asks_for_password(client, actors, rp)
    confirmed = client.post(logout_url, data={
        "confirm": "yes", "csrf_token": csrf_token(response.text), "id_token_hint": bob_token,
        "post_logout_redirect_uri": BYE,
    })
    assert confirmed.headers["Location"] == BYE
    assert live_sessions(app) == 1  # this browser's session ended; the other person's goes on
    assert asks_for_password(client, actors, rp)


def test_logging_out_twice_with_the_same_hint_is_harmless(client, rp, id_token, logout_url):
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": BYE, "state": "s"}
    assert client.get(logout_url, query_string=params).status_code == 302
    again = client.get(logout_url, query_string=params)
    assert again.status_code == 302
    assert query_of(again.headers["Location"]) == {"state": "s"}


def test_a_logout_ends_only_this_browsers_session(app, client, actors, rp, id_token, logout_url):
    other_browser = app.test_client()
    actors.tokens(other_browser, rp)
    assert live_sessions(app) == 2
    client.get(logout_url, query_string={"id_token_hint": id_token})
    assert live_sessions(app) == 1
    assert not asks_for_password(other_browser, actors, rp)
