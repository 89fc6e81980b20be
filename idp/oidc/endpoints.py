"""Token revocation (RFC 7009), introspection (RFC 7662) and the bearer-token check of userinfo."""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint
from flask import current_app
from flask import request as flask_request

from ..models import Client, Token
from ..models.base import epoch
from . import tokens
from .grants import ALL_AUTH_METHODS, CONFIDENTIAL_AUTH_METHODS


class RevocationEndpoint(_RevocationEndpoint):
    """A client revokes one of its tokens; the whole authorization it belongs to ends."""

    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return tokens.find_token(token_string, token_type_hint)

    def revoke_token(self, token: Token, request) -> None:
        tokens.revoke_family(token.family_id)


class IntrospectionEndpoint(_IntrospectionEndpoint):
    """A client introspects its own tokens; a resource server may introspect any."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return tokens.find_token(token_string, token_type_hint)

    def check_permission(self, token: Token, client: Client, request) -> bool:
        return client.resource_server or token.client_id == client.client_id

    def introspect_token(self, token: Token) -> dict:
        if token.presented_as == "refresh_token":
            exp = epoch(token.refresh_expires_at)
        else:
            exp = epoch(token.expires_at)
        payload = {
            "active": True,
            "client_id": token.client_id,
            "scope": token.scope,
            "token_type": "Bearer" if token.presented_as == "access_token" else "refresh_token",
            "iat": epoch(token.issued_at),
            "exp": exp,
            "iss": current_app.config["ISSUER"],
        }
        if token.user is not None:
            if not token.user.is_active:
                return {"active": False}
            payload.update(sub=token.user.subject, username=token.user.email)
        if token.acr:
            payload["acr"] = token.acr
        return payload


class InsufficientScope(InsufficientScopeError):
    """insufficient_scope with the Bearer challenge RFC 6750 section 3 asks for."""

    def __init__(self, scopes: list[str] | None):
        super().__init__()
        self.scopes = scopes or []

    def get_headers(self):
        challenge = f'Bearer error="{self.error}", scope="{" ".join(self.scopes)}"'
        return [*super().get_headers(), ("WWW-Authenticate", challenge)]


class AccessTokenValidator(BearerTokenValidator):
    """Accepts unexpired, unrevoked access tokens of active people."""

    def validate_token(self, token, scopes, request) -> None:
        try:
            super().validate_token(token, scopes, request)
        except InsufficientScopeError:
            raise InsufficientScope(scopes) from None

    def authenticate_token(self, token_string: str) -> Token | None:
        token = tokens.find_token(token_string, "access_token")
        if token is None or token.presented_as != "access_token":
            return None
        if token.user is None or not token.user.is_active:
            return None  # a client's own token (client_credentials) names nobody to describe
        return token


class BearerProtector(ResourceProtector):
    """Finds the access token in the Authorization header or, for POST, in the form body."""

    def parse_request_authorization(self, request):
        if (
            not request.headers.get("Authorization")
            and flask_request.method == "POST"
            and flask_request.mimetype == "application/x-www-form-urlencoded"
            and flask_request.form.get("access_token")
        ):
            return self.get_token_validator("bearer"), flask_request.form["access_token"]
        return super().parse_request_authorization(request)
