"""The Authlib authorization server: our hooks plugged into Authlib's grants and endpoints."""

from __future__ import annotations

import secrets

from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import Flask, current_app

from ..models import Client
from . import client_cache, tokens
from .authlib_adapter import AuthorizationServer
from .client_auth import PrivateKeyJwt
from .clients import ADMIN_SCOPE
from .endpoints import (
    AccessTokenValidator,
    BearerProtector,
    IntrospectionEndpoint,
    RevocationEndpoint,
)
from .grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    OpenIDCode,
    RefreshTokenGrant,
    S256CodeChallenge,
)
from .logout import EndSessionEndpoint


def query_client(client_id: str) -> Client | None:
    """An enabled client by id (Authlib's ``query_client`` hook)."""
    if not isinstance(client_id, str) or len(client_id) > 64:
        return None
    return client_cache.enabled_client(client_id)


def _token_lifetime(client: Client, grant_type: str) -> int:
    return current_app.config["ACCESS_TOKEN_TTL_SECONDS"]


def init_server(app: Flask) -> None:
    """Build the app's server: grants, client authentication methods and endpoints."""
    client_cache.init_app(app)
    server = AuthorizationServer()
    server.init_app(app, query_client=query_client, save_token=tokens.save_token)
    # The admin scope is granted only to clients registered with it (admin API), so it is
    # accepted at the token endpoint without being advertised in discovery.
    server.scopes_supported = [*app.config["SCOPES_SUPPORTED"], ADMIN_SCOPE]
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            # 256 and 288 random bits from one read of the system's source; Authlib's
            # generate_token reads it once per character (a tenth of a millisecond a response).
            access_token_generator=lambda **_: secrets.token_urlsafe(32),
            refresh_token_generator=lambda **_: secrets.token_urlsafe(36),
            expires_generator=_token_lifetime,
        ),
    )
    server.register_client_auth_method(
        PrivateKeyJwt.CLIENT_AUTH_METHOD, PrivateKeyJwt(leeway=app.config["CLOCK_SKEW_SECONDS"])
    )
    server.register_grant(
        AuthorizationCodeGrant, [OpenIDCode(require_nonce=False), S256CodeChallenge(required=True)]
    )
    server.register_grant(RefreshTokenGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(RevocationEndpoint)
    server.register_endpoint(IntrospectionEndpoint)
    server.register_endpoint(EndSessionEndpoint)
    bearer = BearerProtector()
    bearer.register_token_validator(AccessTokenValidator())
    app.extensions["idp_server"] = server
    app.extensions["idp_bearer"] = bearer


def authorization_server() -> AuthorizationServer:
    """The current app's authorization server."""
    return current_app.extensions["idp_server"]


def bearer_protector() -> BearerProtector:
    """The current app's access-token check (for userinfo)."""
    return current_app.extensions["idp_bearer"]
