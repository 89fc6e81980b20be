"""Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.6): checked against
the provider's published keys, issuer, audience, event and session before anything ends, and
acted on once: a token whose ``jti`` was already received is refused until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import ReceivedLogoutToken, utcnow
from .provider import provider

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
EPOCH = datetime(1970, 1, 1)


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


def note_received(claims: dict[str, Any]) -> None:
    """Remember the ``jti`` of a verified logout token until it expires (forgetting those
    expired); raises ValueError when it was already received: a replay."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise ValueError("a logout token has a jti")
    try:  # "exp" was checked to be a number; it may still be past year 9999
        expires_at = EPOCH + timedelta(seconds=claims["exp"])
    except OverflowError:
        raise ValueError("the logout token's exp is out of range") from None
    db.session.execute(db.delete(ReceivedLogoutToken).where(
        ReceivedLogoutToken.expires_at <= utcnow()))
    db.session.commit()
    db.session.add(ReceivedLogoutToken(jti=jti, expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValueError("this logout token was already received") from None
