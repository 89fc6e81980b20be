"""The authorization endpoint's decision: issue a code now, or hand over to the sign-in screens.

``request_checks`` runs the request's rules in order; ``policy`` then decides whether the person
must interact. A request that needs the person is parked; once the screens are done, its
parameters are run again through the very same path.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
)
from flask import redirect, url_for

from .. import audit
from ..errors import sign_in_error_page
from ..models import AuthorizationRequest, SsoSession
from ..sessions import pending as pending_requests
from ..sessions import sso as sessions
from . import policy, request_checks
from .authlib_adapter import oauth_request
from .request_checks import RequestUnderCheck
from .responses import RESPONSE_MODES, authorization_redirect, error_params
from .server import authorization_server

PROMPT_NONE_ERRORS = {
    "login": LoginRequiredError,
    "mfa": InteractionRequiredError,
    "consent": ConsentRequiredError,
}


def authorize(params: dict[str, list[str]], pending: AuthorizationRequest | None = None):
    """Answer an authorization request, fresh or resumed from ``pending`` with the parameters
    it was parked with: redirect to the client, or to the sign-in screens."""
    sso = sessions.current_session()
    request = RequestUnderCheck(oauth_request(params), end_user=sso.user if sso else None)
    try:
        request_checks.run(request)
        grant = request.grant
        ctx = _context(request, sso, pending)
        need = policy.evaluate(ctx)
        if need is not None:
            if "none" in ctx.prompts:
                raise PROMPT_NONE_ERRORS[need.prompt](redirect_uri=grant.redirect_uri)
            audit.record("authorize.interaction", client_id=grant.client.client_id,
                         prompt=need.prompt, reason=need.reason)
            pending = pending_requests.park(grant.client.client_id, params, need.prompt,
                                            policy.required_acr(ctx), pending)
            return redirect(url_for("interaction.start", uid=pending.uid))
        if pending is not None and not pending_requests.complete(pending):
            return _error_page(InvalidRequestError("This authorization request was already used."))
        grant.request.sso_session = sso
        return authorization_server().create_authorization_response(
            request.oauth, grant_user=sso.user, grant=grant)
    except OAuth2Error as error:
        if pending is not None:
            pending_requests.complete(pending)
        error.state = error.state or request.oauth.payload.state
        return error_response(error, _response_mode(params))


def resume_with_error(pending: AuthorizationRequest):
    """Send the error the sign-in screens recorded (e.g. access_denied) back to the client."""
    request = RequestUnderCheck(oauth_request(pending.params), end_user=None)
    try:
        request_checks.code_grant(request)  # where the client's redirect URI is known good
        error = OAuth2Error(redirect_uri=request.grant.redirect_uri, error=pending.error,
                            state=request.oauth.payload.state)
    except OAuth2Error as invalid:
        error = invalid
    pending_requests.complete(pending)
    return error_response(error, _response_mode(pending.params))


def error_response(error: OAuth2Error, response_mode: str | None):
    """Errors go back to the client's redirect URI when it is known good, else to a page."""
    if not error.redirect_uri:
        return _error_page(error)
    status, body, headers = authorization_redirect(
        error.redirect_uri, error_params(error), response_mode
    )
    return authorization_server().handle_response(status, body, headers)


def _error_page(error: OAuth2Error):
    return sign_in_error_page(error.error, error.description)


def _response_mode(params: dict[str, list[str]]) -> str | None:
    mode = (params.get("response_mode") or [None])[0]
    return mode if mode in RESPONSE_MODES else None


def _context(request: RequestUnderCheck, sso: SsoSession | None,
             pending: AuthorizationRequest | None) -> policy.Context:
    """What the policy looks at, from a request that passed every check."""
    return policy.Context(
        client=request.grant.client,
        scope=request.grant.request.scope or "",
        prompts=(request.value("prompt") or "").split(),
        max_age=request.max_age,
        acr_values=(request.value("acr_values") or "").split(),
        claims=request.claims,
        hinted_subject=request.hinted_subject,
        session=sso,
        pending=pending,
    )
