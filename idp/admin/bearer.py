"""Which admin actor the bearer access token of a request speaks for: the admin API's way in.

The token must be a live access token of scope ``admin`` (RFC 6750, checked by Authlib's
resource protector, which raises its OAuth2Error otherwise). A person's token (code flow) acts
with the person's role, and only if the person signed in with two factors (``ADMIN_ACR``, as
the web area asks; ``StepUpRequired`` otherwise, RFC 9470). A service client's own token
(client_credentials) acts with the client's admin role.
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import ResourceProtector

from ..models import Token
from ..oidc import tokens
from ..oidc.clients import ADMIN_ACR, ADMIN_SCOPE
from ..oidc.endpoints import AccessTokenValidator, InsufficientScope
from ..oidc.policy import acr_at_least
from .actors import Actor, actor_for_client, actor_for_user

__all__ = ["ADMIN_ACR", "ADMIN_SCOPE", "InsufficientScope", "StepUpRequired", "bearer_token",
           "token_actor"]


class StepUpRequired(Exception):
    """A person's token from a sign-in below ``ADMIN_ACR``: sign in again with two factors."""


class _AdminTokenValidator(AccessTokenValidator):
    """Live access tokens of active people, and service clients' own tokens."""

    def authenticate_token(self, token_string: str) -> Token | None:
        token = tokens.find_token(token_string, "access_token")
        if token is None or token.presented_as != "access_token":
            return None
        if token.user is not None and not token.user.is_active:
            return None
        return token


_protector = ResourceProtector()
_protector.register_token_validator(_AdminTokenValidator())


def bearer_token() -> Token:
    """The request's live access token of scope ``admin``, from a two-factor sign-in when it
    is a person's; Authlib's OAuth2Error or StepUpRequired otherwise."""
    token = _protector.acquire_token([ADMIN_SCOPE])
    if token.user is not None and not acr_at_least(token.acr, ADMIN_ACR):
        raise StepUpRequired()
    return token


def token_actor(token: Token) -> Actor | None:
    """The actor a token speaks for, or None when it gives no admin right."""
    if token.user is not None:
        return actor_for_user(token.user)
    return actor_for_client(token.client)
