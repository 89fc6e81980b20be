"""The identity provider as this webmail sees it: Authlib's Flask client, one per app."""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

SCOPE = "openid profile email mailboxes offline_access"


def register_provider(app: Flask) -> None:
    """Register the provider with Authlib's Flask client (one registry per app, as Authlib's
    registry serves a single app); URLs come from discovery."""
    config = app.config
    registry = app.extensions["webmail_oauth"] = OAuth(app)
    registry.register(
        "provider",
        client_id=config["CLIENT_ID"],
        client_secret=config["CLIENT_SECRET"],
        server_metadata_url=f"{config['ISSUER']}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_basic"},
    )


def provider():
    """The provider's client of the current app (Authlib's Flask OAuth client)."""
    return current_app.extensions["webmail_oauth"].provider
