"""The code flow with an upstream, on Authlib's client: the authorization URL (state, nonce,
PKCE S256, acr_values), then the code exchanged (client_secret_basic), the ID token and the
userinfo answer verified, whatever their form (HS256 with the client secret or a key of the
upstream's JWKS; userinfo as JSON or as a signed JWT)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, OctKey

from ..upstreams import Upstream
from ..urls import public_url
from . import metadata
from .errors import AnswerRejected, LevelRefused, UpstreamUnavailable

ACCEPTED_ALGS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "HS256", "HS384", "HS512")
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class UpstreamAnswer:
    """A verified upstream sign-in: who (``subject``, the identity claim), how strongly
    (``acr`` mapped to a local level, ``amr``), and what logout needs: the ID token and the
    upstream's end-session endpoint, if it has one (so that logout asks the upstream nothing)."""

    subject: str
    acr: str
    amr: list[str]
    claims: dict[str, Any]
    id_token: str
    end_session_endpoint: str | None


def callback_url(upstream: Upstream) -> str:
    """Our redirect URI registered with the upstream."""
    return public_url("federation.callback", name=upstream.name)


def authorization_url(upstream: Upstream) -> tuple[str, dict[str, str]]:
    """Where to send the browser, and what to remember until it comes back."""
    endpoint = metadata.discovery(upstream)["authorization_endpoint"]
    remembered = {"state": generate_token(32), "nonce": generate_token(32),
                  "verifier": generate_token(64)}
    extra = {"acr_values": upstream.acr_values} if upstream.acr_values else {}
    url, _ = _session(upstream).create_authorization_url(
        endpoint, state=remembered["state"], nonce=remembered["nonce"],
        code_verifier=remembered["verifier"], **extra)
    return url, remembered


def finish(upstream: Upstream, code: str, remembered: dict[str, str]) -> UpstreamAnswer:
    """Exchange ``code`` and verify everything the upstream says; raise a FederationError."""
    document = metadata.discovery(upstream)
    session = _session(upstream)
    try:
        token = session.fetch_token(document["token_endpoint"], code=code,
                                    code_verifier=remembered["verifier"])
    except OAuthError as exc:
        raise AnswerRejected(f"token endpoint: {exc.error}") from exc
    except (requests.RequestException, ValueError) as exc:
        raise UpstreamUnavailable(f"token endpoint: {type(exc).__name__}") from exc
    if not isinstance(token.get("id_token"), str):
        raise AnswerRejected("no id_token")
    claims = _verified_id_token(upstream, document, token, remembered["nonce"])
    acr = upstream.local_acr(claims.get("acr"))
    if acr is None:
        raise LevelRefused(f"acr {claims.get('acr')!r}")
    merged = {**claims, **_userinfo(upstream, document, session, claims)}
    subject = merged.get(upstream.identity_claim)
    if not isinstance(subject, str) or not subject.strip():
        raise AnswerRejected(f"no {upstream.identity_claim}")
    amr = [v for v in claims.get("amr", []) if isinstance(v, str)] \
        if isinstance(claims.get("amr"), list) else []
    logout = document.get("end_session_endpoint")
    return UpstreamAnswer(subject=subject.strip(), acr=acr, amr=amr, claims=merged,
                          id_token=token["id_token"],
                          end_session_endpoint=logout if isinstance(logout, str) else None)


def _session(upstream: Upstream) -> OAuth2Session:
    return OAuth2Session(
        upstream.client_id, upstream.client_secret,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
        scope=upstream.scope,
        redirect_uri=callback_url(upstream), code_challenge_method="S256",
        default_timeout=current_app.config["FEDERATION_TIMEOUT_SECONDS"],
    )


def _decode(upstream: Upstream, value: str, what: str) -> tuple[dict, dict]:
    """A JWS from the upstream, its signature checked: HS* with our client secret, any other
    accepted alg with the upstream's keys (fetched again once for an unknown key). Returns
    (header, claims)."""
    try:
        alg = jws.extract_compact(value.encode()).headers().get("alg", "")
    except (JoseError, ValueError) as exc:
        raise AnswerRejected(f"{what}: not a signed JWT (encrypted or malformed)") from exc
    if alg not in ACCEPTED_ALGS:
        raise AnswerRejected(f"{what}: alg {alg!r} refused")
    try:
        if alg.startswith("HS"):
            return _checked(value, OctKey.import_key(upstream.client_secret.encode()))
        try:
            return _checked(value, KeySet.import_key_set(metadata.jwks(upstream)))
        except InvalidKeyIdError:
            return _checked(value, KeySet.import_key_set(metadata.jwks(upstream, refresh=True)))
    except JoseError as exc:
        raise AnswerRejected(f"{what}: {type(exc).__name__}") from exc


def _checked(value: str, key) -> tuple[dict, dict]:
    token = jwt.decode(value, key, algorithms=list(ACCEPTED_ALGS))
    return token.header, token.claims


def _verified_id_token(upstream: Upstream, document: dict, token: dict, nonce: str) -> dict:
    header, claims = _decode(upstream, token["id_token"], "id_token")
    checks = CodeIDToken(claims, header, {"iss": {"essential": True,
                                                  "value": document["issuer"]}},
                         {"nonce": nonce, "client_id": upstream.client_id,
                          "access_token": token.get("access_token")})
    try:
        checks.validate(leeway=LEEWAY_SECONDS)
    except JoseError as exc:
        raise AnswerRejected(f"id_token: {type(exc).__name__} {exc}") from exc
    return dict(claims)


def _userinfo(upstream: Upstream, document: dict, session: OAuth2Session,
              id_claims: dict) -> dict:
    """The userinfo answer (JSON, or a JWT signed like the ID token), for the same person."""
    endpoint = document.get("userinfo_endpoint")
    if not endpoint:
        return {}
    try:
        answer = session.get(endpoint, headers={"Accept": "application/json, application/jwt"})
        answer.raise_for_status()
    except requests.RequestException as exc:
        raise UpstreamUnavailable(f"userinfo: {type(exc).__name__}") from exc
    if answer.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        _, claims = _decode(upstream, answer.text.strip(), "userinfo")
        if claims.get("iss", document["issuer"]) != document["issuer"] or \
                upstream.client_id not in _audiences(claims.get("aud", upstream.client_id)):
            raise AnswerRejected("userinfo: iss or aud")
    else:
        try:
            claims = answer.json()
        except ValueError as exc:
            raise AnswerRejected("userinfo: not JSON") from exc
    if not isinstance(claims, dict) or claims.get("sub") != id_claims.get("sub"):
        raise AnswerRejected("userinfo: another sub")
    return dict(claims)


def _audiences(aud) -> list:
    return aud if isinstance(aud, list) else [aud]
