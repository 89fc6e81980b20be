"""Who calls the admin API: the Bearer access token of the request, as an ``Actor``.

The token must be a live access token of scope ``admin``. A person's token (code flow) acts
with the person's role, and only if the person signed in with two factors (acr ``mfa``, as the
web area asks): a password-only token gets RFC 9470's ``insufficient_user_authentication``
challenge. A service client's own token (client_credentials) acts with the client's admin
role. A valid token that carries no admin right is refused with 403, as a role that does not
allow an action is.
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import ForbiddenError
from authlib.oauth2.rfc6750 import InvalidTokenError
from flask import g, request

from ...models import Token
from ...oidc import tokens
from ...oidc.clients import ADMIN_ACR, ADMIN_SCOPE
from ...oidc.endpoints import AccessTokenValidator, InsufficientScope
from ...oidc.policy import acr_at_least
from ..actors import Actor, actor_for_client, actor_for_user
from . import bp
from .problems import Problem

PUBLIC_ENDPOINTS = {"admin_api.openapi"}


class AdminTokenValidator(AccessTokenValidator):
    """Live access tokens of active people, and service clients' own tokens."""

    def authenticate_token(self, token_string: str) -> Token | None:
        token = tokens.find_token(token_string, "access_token")
        if token is None or token.presented_as != "access_token":
            return None
        if token.user is not None and not token.user.is_active:
            return None
        return token


_protector = ResourceProtector()
_protector.register_token_validator(AdminTokenValidator())


def token_actor(token: Token) -> Actor | None:
    """The actor a token speaks for, or None when it gives no admin right."""
    if token.user is not None:
        return actor_for_user(token.user)
    return actor_for_client(token.client)


def current_actor() -> Actor:
    """The actor of this request (set once the token was checked)."""
    return g.admin_actor


@bp.before_request
def authenticate():
    """Every route but the OpenAPI document needs a token of scope ``admin``."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    try:
        token = _protector.acquire_token([ADMIN_SCOPE])
    except OAuth2Error as error:
        raise _token_problem(error) from None
    if token.user is not None and not acr_at_least(token.acr, ADMIN_ACR):
        raise _step_up_problem()
    actor = token_actor(token)
    if actor is None:
        raise Problem(403, "Ce jeton ne donne aucun droit d'administration (rôle admin, "
                           "referent ou support).")
    g.admin_actor = actor


def _token_problem(error: OAuth2Error) -> Problem:
    """RFC 6750 answers as problems, with their WWW-Authenticate challenge."""
    if isinstance(error, InsufficientScope):
        return Problem(403, f"Ce jeton n'a pas la portée « {ADMIN_SCOPE} ».",
                       headers=_challenge(error), error=error.error)
    if isinstance(error, InvalidTokenError):
        return Problem(401, "Le jeton d'accès est invalide, expiré ou révoqué.",
                       headers=_challenge(error), error=error.error)
    if isinstance(error, ForbiddenError):  # no Authorization header, or not "Bearer"
        return Problem(401, f"Présentez un jeton d'accès Bearer de portée « {ADMIN_SCOPE} ».",
                       headers={"WWW-Authenticate": f'Bearer scope="{ADMIN_SCOPE}"'})
    return Problem(error.status_code or 400, "La requête d'authentification est invalide.",
                   error=error.error)


def _step_up_problem() -> Problem:
    """A person's token got without the second factor: sign in again with it (RFC 9470)."""
    detail = ("L'API d'administration demande une connexion à deux facteurs : ce jeton a été "
              "obtenu sans second facteur.")
    challenge = (f'Bearer error="insufficient_user_authentication", '
                 f'error_description="A token from a sign-in with two factors is required", '
                 f'acr_values="{ADMIN_ACR}"')
    return Problem(401, detail, headers={"WWW-Authenticate": challenge},
                   error="insufficient_user_authentication")


def _challenge(error: OAuth2Error) -> dict[str, str]:
    return {k: v for k, v in error.get_headers() if k == "WWW-Authenticate"}
