"""private_key_jwt client authentication (RFC 7523), on Authlib's JWT assertion check.

The client signs an assertion with a key whose public half it registered; each assertion's
``jti`` is remembered until it expires so it cannot be replayed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import current_app
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Client, ClientAssertion
from ..urls import public_url

EPOCH = datetime(1970, 1, 1)


class PrivateKeyJwt(JWTBearerClientAssertion):
    """Authenticates clients registered with ``token_endpoint_auth_method=private_key_jwt``."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self) -> list[str]:
        issuer = current_app.config["ISSUER"]
        return [issuer] + [
            public_url(name) for name in ("oidc.token", "oidc.revoke", "oidc.introspect")
        ]

    def resolve_client_public_key(self, client: Client) -> KeySet:
        if not client.jwks:
            raise InvalidClientError(description="The client has no registered keys.")
        try:
            return KeySet.import_key_set(client.jwks)
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidClientError(
                description="The client's registered keys are invalid."
            ) from exc

    def validate_jti(self, claims, jti) -> bool:
        if not isinstance(jti, str) or len(jti) > 255:
            return False
        try:  # "exp" was checked to be a finite number; it may still be past year 9999
            expires = EPOCH + timedelta(seconds=claims["exp"])
        except OverflowError:
            raise InvalidClientError(description="The assertion's 'exp' is out of range.") from None
        try:  # a used jti is refused by the unique index; only this insert is undone then
            with db.session.begin_nested():
                db.session.add(ClientAssertion(client_id=claims["sub"], jti=jti,
                                               expires_at=expires))
        except IntegrityError:
            return False
        return True
