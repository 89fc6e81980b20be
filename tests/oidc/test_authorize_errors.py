"""What the authorization endpoint answers to a wrong request: a page (never a redirect) when the
app or its redirect URI cannot be trusted, otherwise an error sent back to the app with its
state and the issuer; malformed input is refused with a 4xx, never a server error."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from idp.extensions import db
from idp.models import Client
from idp.oidc import keys

from ..helpers import REDIRECT_URI, Actors, query_of

ISSUER = "http://localhost"
request_params = Actors.auth_params


def assert_error_page(response, error: str | None = None) -> None:
    """A 400 page for the person, and nothing sent anywhere."""
    assert response.status_code == 400, response.text[:300]
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert "Connexion impossible" in response.text
    if error:
        assert f"<code>{error}</code>" in response.text


def error_to_app(response, rp, params) -> str:
    """The error the app receives at its redirect URI (checked to carry state and iss)."""
    assert response.status_code == 302, response.text[:300]
    assert response.headers["Location"].startswith(rp.redirect_uri + "?")
    query = query_of(response.headers["Location"])
    assert query["state"] == params["state"] and query["iss"] == ISSUER
    return query["error"]


def test_an_unknown_app_gets_a_page_and_no_redirect(client, actors):
    """An unknown client_id is shown to the person as an error page: nobody is redirected."""
    rp = actors.rp()
    for client_id in ("no-such-client", None, ""):
        response = client.get("/authorize", query_string=request_params(rp, client_id=client_id))
        assert_error_page(response, "invalid_client")
        assert "pas reconnue" in response.text


def test_a_disabled_app_is_treated_as_unknown(app, client, actors):
    """Once an app is disabled, its requests are refused as from an unknown app."""
    rp = actors.rp()
    with app.app_context():
        db.session.execute(update(Client).values(disabled=True))
        db.session.commit()
    assert_error_page(client.get("/authorize", query_string=request_params(rp)), "invalid_client")


@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example.com/callback",
    REDIRECT_URI + "/extra",
    REDIRECT_URI + "?next=https://evil.example.com",
    REDIRECT_URI.upper(),
    REDIRECT_URI + "#frag",
    "",
    None,
])
def test_a_redirect_uri_that_is_not_registered_exactly_gets_a_page_and_no_redirect(
        client, actors, redirect_uri):
    """Only the exact registered redirect URI is used; any other, or none, gives a page."""
    rp = actors.rp()
    response = client.get("/authorize", query_string=request_params(rp, redirect_uri=redirect_uri))
    assert_error_page(response, "invalid_request")


def test_the_error_page_shows_a_wrong_redirect_uri_escaped(client, actors):
    """A redirect URI crafted with markup is shown as text, never as HTML."""
    rp = actors.rp()
    params = request_params(rp, redirect_uri="https://rp.example.org/<script>alert(1)</script>")
    response = client.get("/authorize", query_string=params)
    assert_error_page(response, "invalid_request")
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text


@pytest.mark.parametrize(("name", "error"), [("request", "request_not_supported"),
                                             ("request_uri", "request_uri_not_supported")])
def test_a_request_object_is_refused_as_not_supported(client, actors, name, error):
    """Request objects are not offered: an app sending one is told so instead of having its
    signed parameters silently ignored."""
    rp = actors.rp()
    params = request_params(rp, **{name: "eyJhbGciOiJub25lIn0.e30."
                                   if name == "request" else "https://rp.example.org/req.jwt"})
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == error


def test_an_unknown_scope_is_sent_back_to_the_app_as_invalid_scope(client, actors):
    """A scope the provider does not offer: the app gets invalid_scope with state and iss."""
    rp = actors.rp()
    params = request_params(rp, scope="openid superuser")
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_scope"


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "none", ""])
def test_an_unsupported_response_type_is_sent_back_to_the_app(client, actors, response_type):
    """Only the code flow is offered: other response types get unsupported_response_type."""
    rp = actors.rp()
    params = request_params(rp, response_type=response_type)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "unsupported_response_type"


@pytest.mark.parametrize("prompt", ["none login", "consent none"])
def test_prompt_none_mixed_with_another_prompt_is_invalid(client, actors, prompt):
    """prompt=none cannot be combined with another value: invalid_request."""
    rp = actors.rp()
    params = request_params(rp, prompt=prompt)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


@pytest.mark.parametrize("response_mode", ["fragment", "web_message", "form_post.jwt", "x"])
def test_an_unsupported_response_mode_is_invalid_request_in_the_query(client, actors,
                                                                      response_mode):
    """Only query and form_post are offered; another mode gets invalid_request by redirect."""
    actors.user()
    rp = actors.rp()
    params = request_params(rp, response_mode=response_mode)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


@pytest.mark.parametrize("max_age", ["abc", "-1", "1.5", " 10", "²", "١٢", "9" * 40])
def test_a_max_age_that_is_not_a_whole_number_is_invalid(client, actors, max_age):
    """max_age must be a plain non-negative integer; anything else is invalid_request."""
    rp = actors.rp()
    params = request_params(rp, max_age=max_age)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


@pytest.mark.parametrize("claims", [
    "{not json", "[]", "42", '"text"', '{"id_token": 1}', '{"userinfo": {"name": 1}}',
    json.dumps({"id_token": {"email": None}, "x": "y" * 5000}),
])
def test_a_malformed_claims_parameter_is_invalid_request(client, actors, claims):
    """A claims parameter that is not a JSON object of the right shape: invalid_request."""
    rp = actors.rp()
    params = request_params(rp, claims=claims)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


def signed_hint(app, kind: str) -> str:
    """A token that is not an ID token of this provider, though it may look like one."""
    claims = {"iss": ISSUER, "sub": "someone"}
    if kind == "forged":
        return jwt.encode({"alg": "RS256"}, claims, RSAKey.generate_key(2048, private=True))
    claims.update({"other_issuer": {"iss": "https://other.example.org"},
                   "no_subject": {"sub": ""}}[kind])
    with app.app_context():
        kid, key = keys.key_ring(app).signing_key("RS256")
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


@pytest.mark.parametrize("hint", ["garbage", "a.b.c", "e30.e30.", "é.é.é", "x" * 5000, "forged",
                                  "other_issuer", "no_subject"])
def test_an_id_token_hint_the_provider_did_not_issue_is_invalid(app, client, actors, hint):
    """An id_token_hint that is not an ID token issued by this provider: invalid_request."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    if hint in ("forged", "other_issuer", "no_subject"):
        hint = signed_hint(app, hint)
    params = request_params(rp, id_token_hint=hint)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


def test_an_essential_acr_with_malformed_values_is_invalid_request(client, actors):
    """claims.id_token.acr.values must be a list of strings: anything else is invalid_request."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": 5}}})
    params = request_params(rp, claims=claims)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


def test_a_nonce_the_app_already_used_is_refused(client, actors):
    """A nonce is single use per app: replaying it gives invalid_request."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp, nonce="n-once")
    params = request_params(rp, nonce="n-once")
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


def test_a_nonce_longer_than_the_provider_keeps_is_invalid_request(client, actors):
    """Nonces up to 512 characters are kept and returned; longer ones are refused."""
    actors.user()
    rp = actors.rp()
    assert "code" in actors.sign_in(client, rp, nonce="n" * 512)
    params = request_params(rp, nonce="n" * 513)
    assert error_to_app(client.get("/authorize", query_string=params), rp, params) == \
        "invalid_request"


def test_a_scope_that_repeats_a_value_is_granted_once(client, actors):
    """Repeating a scope value asks for it once; the granted scope lists it once."""
    actors.user()
    rp = actors.rp()
    tokens = actors.tokens(client, rp, scope="openid " * 300 + "profile")
    assert tokens["scope"] == "openid profile"


def test_errors_in_form_post_mode_are_posted_with_state_and_issuer(client, actors):
    """With form_post, an error too is posted to the app, with its state and iss."""
    rp = actors.rp()
    params = request_params(rp, prompt="none", response_mode="form_post")
    page = client.get("/authorize", query_string=params)
    assert page.status_code == 200 and "Location" not in page.headers
    assert f'action="{rp.redirect_uri}"' in page.text
    for name, value in (("error", "login_required"), ("state", params["state"]),
                        ("iss", ISSUER)):
        assert f'name="{name}" value="{value}"' in page.text
    assert "form-action 'self' https://rp.example.org;" in page.headers["Content-Security-Policy"]


def test_the_error_page_cannot_be_framed(client):
    """The error page forbids framing (clickjacking)."""
    response = client.get("/authorize", query_string={"client_id": "nobody"})
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "response_type", "scope", "state"])
def test_a_parameter_sent_twice_is_refused_without_redirect(client, actors, name):
    """A core parameter given twice is ambiguous: a 400 page, and no redirect."""
    rp = actors.rp()
    params = MultiDict(request_params(rp))
    params.add(name, params[name] + "x")
    for response in (client.get("/authorize", query_string=params),
                     client.post("/authorize", data=params)):
        assert_error_page(response, "invalid_request")


@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "response_type", "state", "scope",
                                  "nonce", "login_hint", "prompt", "acr_values", "code_challenge"])
def test_huge_values_are_refused_or_handled_never_a_server_error(client, actors, name):
    """Parameters of 20,000 characters never make the provider fail."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    for method in ("get", "post"):
        params = request_params(rp, **{name: "é" * 20_000})
        response = getattr(client, method)("/authorize", **(
            {"query_string": params} if method == "get" else {"data": params}))
        assert 300 <= response.status_code < 500, (name, method, response.status_code)


def test_a_body_larger_than_allowed_is_refused(client, actors):
    """A request body beyond the size limit is refused with 413."""
    rp = actors.rp()
    response = client.post("/authorize", data=request_params(rp, state="s" * 300_000))
    assert response.status_code == 413


@pytest.mark.parametrize("name", ["client_id", "state", "nonce", "scope", "login_hint",
                                  "code_challenge"])
def test_a_nul_character_in_any_parameter_is_refused_with_a_page(client, actors, name):
    """No request parameter may hold a NUL character (a database cannot even compare it)."""
    rp = actors.rp()
    params = request_params(rp, **{name: "ab\x00cd"})
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 400 and "Location" not in response.headers
    assert "La requête est invalide." in response.text


@pytest.mark.parametrize("value", [
    "\u202e\u0000\ufeff", "\udcff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢🙂", "%ff%fe", "\r\nSet-Cookie: x=1", "../../etc",
])
@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "response_type", "state", "scope",
                                  "nonce", "prompt", "max_age", "login_hint", "response_mode"])
def test_strange_characters_never_cause_a_server_error(client, actors, name, value):
    """Control characters, invalid UTF-8 and exotic Unicode are refused or handled cleanly."""
    actors.user()
    rp = actors.rp()
    params = request_params(rp, **{name: value})
    query = "&".join(f"{k}={v}" if k == name and value.startswith("%") else
                     f"{k}={quote(v, errors='surrogateescape')}" for k, v in params.items())
    response = client.get(f"/authorize?{query}")
    assert 300 <= response.status_code < 500, response.status_code
    assert "\r\n" not in response.headers.get("Location", "")
