"""Helpers shared by the token endpoint tests: discovery look-ups, token requests, error checks,
client keys for private_key_jwt, and direct reads of the token store."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from idp.extensions import db
from idp.models import RefreshRetry, Token
from idp.models.base import utcnow

from ..helpers import RP, pkce_pair

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def metadata(browser) -> dict:
    """The discovery document, as a client would read it."""
    response = browser.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    return response.json


def endpoint(browser, name: str) -> str:
    """The path of an endpoint named in discovery (e.g. ``token_endpoint``)."""
    url = metadata(browser)[name]
    issuer = metadata(browser)["issuer"]
    assert url.startswith(issuer)
    return url[len(issuer):]


def post_token(browser, data: dict, auth: tuple[str, str] | None = None, **kwargs):
    """POST a form to the token endpoint found through discovery."""
    return browser.post(endpoint(browser, "token_endpoint"), data=data, auth=auth, **kwargs)


def assert_error(response, error: str, status: int = 400) -> dict:
    """An RFC 6749 section 5.2 error: JSON ``error`` and ``error_description``, never cached."""
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    body = response.json
    assert body["error"] == error, body
    assert isinstance(body.get("error_description"), str) and body["error_description"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert "access_token" not in body
    return body


def assert_tokens(response) -> dict:
    """A successful token response (RFC 6749 section 5.1), never cached."""
    assert response.status_code == 200, (response.status_code, response.data[:300])
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json
    assert body["token_type"].lower() == "bearer"
    assert body["access_token"] and body["expires_in"] > 0
    return body


def userinfo(browser, access_token: str):
    """Call the userinfo endpoint with a bearer token."""
    return browser.get(
        endpoint(browser, "userinfo_endpoint"),
        headers={"Authorization": f"Bearer {access_token}"},
    )


def introspect(browser, resource_server: RP, token: str) -> dict:
    """What the introspection endpoint says about a token, asked by a resource server."""
    response = browser.post(
        endpoint(browser, "introspection_endpoint"),
        data={"token": token},
        auth=(resource_server.client_id, resource_server.client_secret),
    )
    assert response.status_code == 200, response.data[:300]
    return response.json


def resource_server(actors) -> RP:
    """A confidential service client allowed to introspect every token."""
    return actors.rp(name="API", grant_type="client_credentials", redirect_uris=[],
                     post_logout_redirect_uris=[], resource_server=True)


def code_for(actors, browser, rp: RP, pkce: bool = True, **extra) -> tuple[str, str | None]:
    """Sign in through the authorization endpoint: (code, PKCE verifier or None)."""
    verifier = None
    if pkce:
        verifier, challenge = pkce_pair()
        extra.update(code_challenge=challenge, code_challenge_method="S256")
    query = actors.sign_in(browser, rp, **extra)
    return query["code"], verifier


def refresh(browser, rp: RP, refresh_token: str, **extra):
    """A refresh_token grant request, authenticated the way ``rp`` registered (basic or none)."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    if rp.client_secret is None:
        data["client_id"] = rp.client_id
        return post_token(browser, data)
    return post_token(browser, data, auth=(rp.client_id, rp.client_secret))


def client_key(alg: str = "RS256"):
    """A fresh private key for a client, in joserfc form."""
    if alg == "ES256":
        return ECKey.generate_key("P-256", private=True)
    return RSAKey.generate_key(2048, private=True)


def public_jwks(key) -> dict:
    """The public JWK Set a client registers for its key."""
    return {"keys": [{**key.as_dict(private=False), "kid": key.thumbprint()}]}


def client_assertion(key, client_id: str, audience: str, alg: str = "RS256", **claims) -> str:
    """A private_key_jwt assertion (RFC 7523): iss = sub = client_id, signed by ``key``."""
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": key.thumbprint()}, payload, key)


def assertion_form(assertion: str) -> dict:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}


def provider_keys(browser) -> KeySet:
    """The provider's published keys, fetched from the jwks_uri named in discovery."""
    response = browser.get(endpoint(browser, "jwks_uri"))
    assert response.status_code == 200
    return KeySet.import_key_set(response.json)


def count_tokens(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(Token.id)))
        db.session.commit()
        db.session.remove()
        return count


def after_the_grace(app) -> None:
    """Let REFRESH_TOKEN_REUSE_GRACE_SECONDS pass for every refresh token already rotated."""
    with app.app_context():
        db.session.execute(db.update(RefreshRetry).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
