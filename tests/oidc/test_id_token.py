"""The ID token returned by the token endpoint: signed with a key published at the jwks_uri and
carrying the claims of OpenID Connect Core sections 2 and 3.1.3.6, checked as a client would."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError

from idp.extensions import db
from idp.models import SsoSession

from ..helpers import query_of
from .token_helpers import endpoint, metadata, provider_keys, userinfo

ALICE = "alice.martin@chu-test.mssante.fr"


def verified(browser, id_token: str, rp, algorithms=("RS256", "ES256")) -> jwt.Token:
    """Decode and check an ID token with the keys fetched through discovery, like a client."""
    keys = provider_keys(browser)
    token = jwt.decode(id_token, keys, algorithms=list(algorithms))
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata(browser)["issuer"]},
        aud={"essential": True, "value": rp.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    registry.validate(token.claims)
    return token


def authorize(browser, actors, params: dict, username: str = ALICE) -> dict:
    """Run an authorization request with exactly ``params``; the callback's query."""
    response = browser.get("/authorize", query_string=params)
    if "/interaction" in response.headers.get("Location", ""):
        response = actors.login(browser, response, username=username)
        response = browser.get(response.headers["Location"])
    assert response.status_code == 302
    return query_of(response.headers["Location"])


def half_hash(value: str) -> str:
    """at_hash for SHA-256 algorithms: base64url of the left half of the digest."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_the_id_token_verifies_against_the_published_keys(client, actors, rp):
    body = actors.tokens(client, rp)
    token = verified(client, body["id_token"], rp)
    assert token.header["alg"] == "RS256"


def test_the_kid_names_a_published_public_key_of_the_right_type(client, actors, rp):
    body = actors.tokens(client, rp)
    kid = jws.extract_compact(body["id_token"].encode()).headers()["kid"]
    response = client.get(endpoint(client, "jwks_uri"))
    published = {key["kid"]: key for key in response.json["keys"]}
    assert published[kid]["kty"] == "RSA"
    assert "d" not in published[kid]


def test_an_altered_id_token_fails_verification(client, actors, rp):
    body = actors.tokens(client, rp)
    head, payload, signature = body["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{head}.{forged}.{signature}", provider_keys(client))


def test_the_id_token_carries_the_required_claims(app, client, actors, rp):
    before = int(time.time())
    body = actors.tokens(client, rp, nonce="n-0S6_WzA2Mj")
    claims = verified(client, body["id_token"], rp).claims
    after = int(time.time())

    assert claims["iss"] == metadata(client)["issuer"]
    assert claims["aud"] == rp.client_id or claims["aud"] == [rp.client_id]
    assert before - 1 <= claims["iat"] <= after + 1
    assert claims["exp"] - claims["iat"] == app.config["ID_TOKEN_TTL_SECONDS"]
    assert isinstance(claims["auth_time"], int) and claims["auth_time"] <= claims["iat"]
    assert before - 5 <= claims["auth_time"]
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["acr"] == "pwd"
    assert claims["amr"] == ["pwd"]
    assert isinstance(claims["sid"], str) and len(claims["sid"]) >= 16


def test_at_hash_is_the_left_half_of_the_access_tokens_hash(client, actors, rp):
    body = actors.tokens(client, rp)
    claims = verified(client, body["id_token"], rp).claims
    assert claims["at_hash"] == half_hash(body["access_token"])


def test_no_nonce_claim_when_the_request_had_none(client, actors, rp):
    params = actors.auth_params(rp)
    del params["nonce"]
    code = authorize(client, actors, params)["code"]
    body = actors.redeem(client, rp, code).json
    assert "nonce" not in verified(client, body["id_token"], rp).claims


def test_sub_is_opaque_and_not_the_email(client, actors, rp):
    body = actors.tokens(client, rp, scope="openid profile email")
    sub = verified(client, body["id_token"], rp).claims["sub"]
    assert ALICE not in sub and "alice" not in sub.lower() and "@" not in sub
    assert len(sub) >= 16
    assert userinfo(client, body["access_token"]).json["sub"] == sub


def test_sub_is_stable_across_sign_ins(app, client, actors, rp):
    first = verified(client, actors.tokens(client, rp)["id_token"], rp).claims
    other_browser = app.test_client()
    second = verified(other_browser, actors.tokens(other_browser, rp)["id_token"], rp).claims
    assert second["sub"] == first["sub"]
    assert second["sid"] != first["sid"]


def test_sub_differs_between_people(app, client, actors, rp):
    bob = actors.user("bob.durand@chu-test.mssante.fr", name="Bob Durand",
                      notification_email="bob@example.org")
    alice_sub = verified(client, actors.tokens(client, rp)["id_token"], rp).claims["sub"]
    browser = app.test_client()
    code = authorize(browser, actors, actors.auth_params(rp), username=bob)["code"]
    bob_sub = verified(browser, actors.redeem(browser, rp, code).json["id_token"], rp).claims["sub"]
    assert bob_sub != alice_sub


def test_auth_time_and_sid_come_from_the_sign_in_session(app, client, actors, rp):
    """A later authorization in the same session (no new sign-in) keeps both."""
    first = verified(client, actors.tokens(client, rp)["id_token"], rp).claims
    signed_in = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=5)
    with app.app_context():
        db.session.execute(db.update(SsoSession).where(SsoSession.sid == first["sid"])
                           .values(auth_time=signed_in))
        db.session.commit()
        db.session.remove()
    second = verified(client, actors.tokens(client, rp)["id_token"], rp).claims
    assert second["sid"] == first["sid"]
    assert second["auth_time"] == int(signed_in.replace(tzinfo=UTC).timestamp())
    assert second["iat"] - second["auth_time"] >= 300


def test_each_client_gets_an_id_token_for_itself(client, actors, rp):
    other = actors.rp(name="Agenda")
    body = actors.tokens(client, other)
    claims = verified(client, body["id_token"], other).claims
    assert claims["aud"] in (other.client_id, [other.client_id])
    assert rp.client_id not in str(claims["aud"])


def test_a_client_registered_for_es256_gets_an_es256_id_token(client, actors):
    actors.user()
    rp = actors.rp(id_token_alg="ES256")
    body = actors.tokens(client, rp)
    token = verified(client, body["id_token"], rp, algorithms=("ES256",))
    assert token.header["alg"] == "ES256"
    kid = token.header["kid"]
    assert provider_keys(client).get_by_kid(kid).key_type == "EC"
    assert token.claims["at_hash"] == half_hash(body["access_token"])


def test_claims_requested_for_the_id_token_are_included(client, actors, rp):
    body = actors.tokens(client, rp, claims='{"id_token": {"email": null}}')
    assert verified(client, body["id_token"], rp).claims["email"] == ALICE


def test_without_the_openid_scope_there_is_no_id_token(client, actors, rp):
    """A plain OAuth 2.0 request: tokens, but nothing about the person's authentication."""
    body = actors.tokens(client, rp, scope="profile email")
    assert body["scope"] == "profile email"
    assert "id_token" not in body
