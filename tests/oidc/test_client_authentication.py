"""Client authentication at the token endpoint: each client authenticates only with the method it
registered (client_secret_basic, client_secret_post, private_key_jwt, or none with PKCE)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from idp.extensions import db
from idp.models import Client

from .token_helpers import (
    assert_error,
    assert_tokens,
    assertion_form,
    client_assertion,
    client_key,
    code_for,
    metadata,
    post_token,
    public_jwks,
)

SERVICE = {"grant_type": "client_credentials", "redirect_uris": [],
           "post_logout_redirect_uris": []}


def code_request(rp, code, verifier=None, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    return {**data, **extra}


def assert_unauthenticated(response, status: int = 401):
    """invalid_client; with 401 when the client tried HTTP Basic (RFC 6749 section 5.2)."""
    assert_error(response, "invalid_client", status)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic")


# --- client_secret_basic and client_secret_post -----------------------------------------------

def test_client_secret_basic_authenticates_with_the_authorization_header(client, actors):
    actors.user()
    rp = actors.rp(auth_method="client_secret_basic")
    code, verifier = code_for(actors, client, rp)
    assert_tokens(post_token(client, code_request(rp, code, verifier),
                             auth=(rp.client_id, rp.client_secret)))


def test_client_secret_post_authenticates_with_form_parameters(client, actors):
    actors.user()
    rp = actors.rp(auth_method="client_secret_post")
    code, verifier = code_for(actors, client, rp)
    data = code_request(rp, code, verifier, client_id=rp.client_id,
                        client_secret=rp.client_secret)
    assert_tokens(post_token(client, data))


def test_a_basic_client_that_sends_its_secret_in_the_form_is_refused(client, actors):
    rp = actors.rp(auth_method="client_secret_basic", **SERVICE)
    data = {"grant_type": "client_credentials", "client_id": rp.client_id,
            "client_secret": rp.client_secret}
    assert_unauthenticated(post_token(client, data))


def test_a_post_client_that_uses_http_basic_is_refused(client, actors):
    rp = actors.rp(auth_method="client_secret_post", **SERVICE)
    response = post_token(client, {"grant_type": "client_credentials"},
                          auth=(rp.client_id, rp.client_secret))
    assert_unauthenticated(response)


def test_a_wrong_secret_is_refused_over_basic(client, actors):
    rp = actors.rp(**SERVICE)
    response = post_token(client, {"grant_type": "client_credentials"},
                          auth=(rp.client_id, rp.client_secret + "x"))
    assert_unauthenticated(response)


def test_a_wrong_secret_is_refused_in_the_form(client, actors):
    rp = actors.rp(auth_method="client_secret_post", **SERVICE)
    data = {"grant_type": "client_credentials", "client_id": rp.client_id,
            "client_secret": "not-" + rp.client_secret}
    assert_error(post_token(client, data), "invalid_client", 401)


def test_an_unknown_client_is_refused(client):
    response = post_token(client, {"grant_type": "client_credentials"},
                          auth=("no-such-client", "secret"))
    assert_unauthenticated(response)


def test_a_request_without_any_client_authentication_is_refused(client, actors):
    actors.rp(**SERVICE)
    assert_unauthenticated(post_token(client, {"grant_type": "client_credentials"}))


def test_a_confidential_client_cannot_pass_as_public_by_sending_only_its_id(client, actors):
    actors.user()
    rp = actors.rp()
    code, verifier = code_for(actors, client, rp)
    response = post_token(client, code_request(rp, code, verifier, client_id=rp.client_id))
    assert_unauthenticated(response)


def test_a_disabled_client_cannot_authenticate(app, client, actors):
    rp = actors.rp(**SERVICE)
    with app.app_context():
        db.session.execute(db.update(Client).where(Client.client_id == rp.client_id)
                           .values(disabled=True))
        db.session.commit()
        db.session.remove()
    response = post_token(client, {"grant_type": "client_credentials"},
                          auth=(rp.client_id, rp.client_secret))
    assert_unauthenticated(response)


def test_a_malformed_basic_header_is_refused_without_a_crash(client, actors):
    actors.rp(**SERVICE)
    for header in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer x",
                   "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()):
        response = post_token(client, {"grant_type": "client_credentials"},
                              headers={"Authorization": header})
        assert response.status_code in (400, 401), header
        assert response.json["error"] == "invalid_client"


# --- none (public clients) --------------------------------------------------------------------

def test_a_public_client_authenticates_with_its_id_and_a_pkce_verifier(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    assert spa.client_secret is None
    code, verifier = code_for(actors, client, spa)
    assert_tokens(post_token(client, code_request(spa, code, verifier, client_id=spa.client_id)))


def test_a_public_client_without_a_verifier_gets_no_tokens(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    code, _ = code_for(actors, client, spa)
    response = post_token(client, code_request(spa, code, client_id=spa.client_id))
    assert_error(response, "invalid_request")


def test_a_public_client_that_sends_a_secret_is_refused(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    code, verifier = code_for(actors, client, spa)
    data = code_request(spa, code, verifier, client_id=spa.client_id, client_secret="guess")
    assert_unauthenticated(post_token(client, data))


# --- private_key_jwt --------------------------------------------------------------------------

@pytest.fixture
def token_url(client) -> str:
    """The audience of client assertions: the token endpoint's URL from discovery."""
    return metadata(client)["token_endpoint"]


@pytest.fixture
def keyed(actors):
    """A service client registered for private_key_jwt, with its private key."""
    key = client_key()
    rp = actors.rp(auth_method="private_key_jwt", jwks=public_jwks(key), **SERVICE)
    return rp, key


def b64url(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assertion_grant(browser, assertion: str):
    return post_token(browser, {"grant_type": "client_credentials", **assertion_form(assertion)})


def test_private_key_jwt_is_advertised_in_discovery(client):
    meta = metadata(client)
    assert "private_key_jwt" in meta["token_endpoint_auth_methods_supported"]
    assert "RS256" in meta["token_endpoint_auth_signing_alg_values_supported"]


def test_a_signed_assertion_authenticates_a_private_key_jwt_client(client, keyed, token_url):
    rp, key = keyed
    assert_tokens(assertion_grant(client, client_assertion(key, rp.client_id, token_url)))


def test_private_key_jwt_works_for_the_code_flow(client, actors, token_url):
    actors.user()
    key = client_key("ES256")
    rp = actors.rp(auth_method="private_key_jwt", jwks=public_jwks(key))
    code, verifier = code_for(actors, client, rp)
    assertion = client_assertion(key, rp.client_id, token_url, alg="ES256")
    body = assert_tokens(post_token(client, code_request(rp, code, verifier,
                                                         **assertion_form(assertion))))
    assert "id_token" in body


def test_the_issuer_is_also_accepted_as_audience(client, keyed):
    rp, key = keyed
    issuer = metadata(client)["issuer"]
    assert_tokens(assertion_grant(client, client_assertion(key, rp.client_id, issuer)))


def test_a_replayed_assertion_is_refused(client, keyed, token_url):
    rp, key = keyed
    assertion = client_assertion(key, rp.client_id, token_url)
    assert_tokens(assertion_grant(client, assertion))
    assert_unauthenticated(assertion_grant(client, assertion), 400)


def test_a_new_assertion_reusing_a_jti_is_refused(client, keyed, token_url):
    rp, key = keyed
    assert_tokens(assertion_grant(client, client_assertion(key, rp.client_id, token_url,
                                                           jti="same")))
    again = client_assertion(key, rp.client_id, token_url, jti="same", exp=int(time.time()) + 90)
    assert_unauthenticated(assertion_grant(client, again), 400)


def test_an_assertion_signed_with_another_key_is_refused(client, keyed, token_url):
    rp, _ = keyed
    intruder = client_key()
    assert_unauthenticated(assertion_grant(client, client_assertion(intruder, rp.client_id,
                                                                    token_url)), 400)


def test_an_expired_assertion_is_refused(client, keyed, token_url):
    rp, key = keyed
    old = int(time.time()) - 600
    assertion = client_assertion(key, rp.client_id, token_url, iat=old - 60, exp=old)
    assert_unauthenticated(assertion_grant(client, assertion), 400)


def test_the_configured_clock_skew_bounds_how_late_an_assertion_may_come(app, client, keyed,
                                                                        token_url):
    """CLOCK_SKEW_SECONDS (60 s here) tolerates a slow clock, and no more."""
    rp, key = keyed
    skew = app.config["CLOCK_SKEW_SECONDS"]
    slightly_late = int(time.time()) - skew // 2
    assert_tokens(assertion_grant(client, client_assertion(key, rp.client_id, token_url,
                                                           exp=slightly_late)))
    too_late = int(time.time()) - skew - 30
    assert_unauthenticated(assertion_grant(client, client_assertion(key, rp.client_id, token_url,
                                                                    exp=too_late)), 400)


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://elsewhere.example/token"},
        {"iss": "someone-else"},
        {"jti": None},
        {"exp": None},
        {"aud": None},
        {"exp": 10**12},
        {"exp": 10**400},
        {"exp": 1e300},
        {"exp": "tomorrow"},
        {"jti": 12345},
        {"jti": "j" * 300},
    ],
    ids=["wrong-aud", "iss-not-sub", "no-jti", "no-exp", "no-aud", "exp-year-33658", "exp-10e400",
         "exp-float-1e300",
         "exp-not-a-number", "jti-not-a-string", "jti-too-long"],
)
def test_an_assertion_with_bad_claims_is_refused(client, keyed, token_url, claims):
    rp, key = keyed
    assert_unauthenticated(assertion_grant(client, client_assertion(key, rp.client_id, token_url,
                                                                    **claims)), 400)


def test_an_unsigned_assertion_is_refused(client, keyed, token_url):
    rp, _ = keyed
    claims = {"iss": rp.client_id, "sub": rp.client_id, "aud": token_url,
              "exp": int(time.time()) + 60, "jti": "unsigned"}
    assertion = f"{b64url(json.dumps({'alg': 'none'}))}.{b64url(json.dumps(claims))}."
    assert_unauthenticated(assertion_grant(client, assertion), 400)


def test_an_assertion_hmac_signed_with_the_public_key_is_refused(client, keyed, token_url):
    """The algorithm-confusion attack: the registered public key used as an HMAC secret."""
    rp, key = keyed
    now = int(time.time())
    claims = {"iss": rp.client_id, "sub": rp.client_id, "aud": token_url, "exp": now + 60,
              "jti": "confused"}
    signing_input = f"{b64url(json.dumps({'alg': 'HS256'}))}.{b64url(json.dumps(claims))}"
    for secret in (key.as_pem(private=False), json.dumps(public_jwks(key)).encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assertion = f"{signing_input}.{b64url(mac)}"
        assert_unauthenticated(assertion_grant(client, assertion), 400)


@pytest.mark.parametrize("assertion", ["", "not.a.jwt", "a" * 5000, "e30.e30.e30"])
def test_garbage_assertions_are_refused_without_a_crash(client, keyed, assertion):
    response = assertion_grant(client, assertion)
    assert response.status_code in (400, 401)
    assert response.json["error"] == "invalid_client"


def test_a_secret_client_cannot_authenticate_with_an_assertion(client, actors, token_url):
    rp = actors.rp(**SERVICE)
    key = client_key()
    response = assertion_grant(client, client_assertion(key, rp.client_id, token_url))
    assert_unauthenticated(response, 400)


def test_a_private_key_jwt_client_cannot_authenticate_with_only_its_id(client, keyed):
    rp, _ = keyed
    response = post_token(client, {"grant_type": "client_credentials", "client_id": rp.client_id})
    assert_unauthenticated(response)
