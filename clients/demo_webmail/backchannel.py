"""Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.6): checked against
the provider's published keys, issuer, audience, event and session before anything ends."""

from __future__ import annotations

from typing import Any

from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .provider import provider

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def verify_logout_token(token: str) -> dict[str, Any]:
    """The claims of a valid logout token; raises JoseError or ValueError otherwise."""
    metadata = provider().load_server_metadata()
    registry = JWSRegistry(algorithms=metadata.get("id_token_signing_alg_values_supported"))
    try:
        decoded = jwt.decode(token, KeySet.import_key_set(provider().fetch_jwk_set()),
                             registry=registry)
    except InvalidKeyIdError:  # the provider rotated its keys since we last read them
        decoded = jwt.decode(token, KeySet.import_key_set(provider().fetch_jwk_set(True)),
                             registry=registry)
    claims = decoded.claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": current_app.config["CLIENT_ID"]},
        iat={"essential": True},
        exp={"essential": True},
    ).validate(claims)
    if BACKCHANNEL_EVENT not in (claims.get("events") or {}):
        raise ValueError("not a back-channel logout event")
    if "nonce" in claims:
        raise ValueError("a logout token has no nonce")
    if not (claims.get("sid") or claims.get("sub")):
        raise ValueError("a logout token names a session or a subject")
    return claims
