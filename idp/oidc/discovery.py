"""OpenID Provider metadata (discovery), built once per process from the settings."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..urls import public_url
from .claims import AUTHENTICATION_CLAIMS, USER_CLAIMS
from .grants import ALL_AUTH_METHODS, CONFIDENTIAL_AUTH_METHODS

ACR_VALUES = ("pwd", "mfa")




def provider_metadata() -> dict[str, Any]:
    """The discovery document; computed once and then served from memory."""
    cached = current_app.extensions.get("idp_discovery")
    if cached is None:
        cached = current_app.extensions["idp_discovery"] = _build()
    return cached


def _build() -> dict[str, Any]:
    config = current_app.config
    return {
        "issuer": config["ISSUER"],
        "authorization_endpoint": public_url("oidc.authorize"),
        "token_endpoint": public_url("oidc.token"),
        "userinfo_endpoint": public_url("oidc.userinfo"),
        "jwks_uri": public_url("oidc.jwks"),
        "end_session_endpoint": public_url("oidc.end_session"),
        "revocation_endpoint": public_url("oidc.revoke"),
        "introspection_endpoint": public_url("oidc.introspect"),
        "scopes_supported": config["SCOPES_SUPPORTED"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": config["SIGNING_ALGS"],
        "token_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "PS256"],
        "revocation_endpoint_auth_methods_supported": ALL_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": list(ACR_VALUES),
        "claims_supported": [*USER_CLAIMS, *AUTHENTICATION_CLAIMS, "iss", "aud", "exp", "iat",
                             "nonce", "sid", "at_hash"],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["fr", "en"],
        "claim_types_supported": ["normal"],
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }
