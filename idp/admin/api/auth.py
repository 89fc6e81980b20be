"""Who calls the admin API: the Bearer access token of the request, as an ``Actor``
(``admin.bearer`` says which), and the RFC 6750 / RFC 9470 answers when there is none.

A valid token that carries no admin right is refused with 403, as a role that does not allow
an action is.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import ForbiddenError
from authlib.oauth2.rfc6750 import InvalidTokenError
from flask import g, request

from ..actors import Actor
from ..bearer import (
    ADMIN_ACR,
    ADMIN_SCOPE,
    InsufficientScope,
    StepUpRequired,
    bearer_token,
    token_actor,
)
from . import bp
from .problems import Problem

PUBLIC_ENDPOINTS: set[str] = set()  # the routes declared public (``operations``)


def current_actor() -> Actor:
    """The actor of this request (set once the token was checked)."""
    return g.admin_actor


@bp.before_request
def authenticate():
    """Every route but the public ones (the OpenAPI document) needs a token of scope
    ``admin``."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    try:
        token = bearer_token()
    except OAuth2Error as error:
        raise _token_problem(error) from None
    except StepUpRequired:
        raise _step_up_problem() from None
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
