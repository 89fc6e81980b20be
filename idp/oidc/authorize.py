"""The authorization endpoint's decision: issue a code now, or hand over to the sign-in screens.

Authlib validates the request (client, redirect_uri, response_type, scope, PKCE, nonce, prompt);
``policy`` decides whether the person must interact. A request that needs the person is parked;
once the screens are done, its parameters are run again through the very same path.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from flask import current_app, redirect, url_for
from joserfc import jwt
from joserfc.errors import JoseError

from .. import audit
from ..errors import sign_in_error_page
from ..models import AuthorizationCode, AuthorizationRequest
from ..sessions import pending as pending_requests
from ..sessions import sso as sessions
from . import keys, policy
from .authlib_adapter import oauth_request, unquotable_parameter
from .claims import parse_claims_parameter
from .responses import RESPONSE_MODES, authorization_redirect, error_params
from .server import authorization_server

MAX_NONCE = AuthorizationCode.nonce.type.length  # the longest nonce a code can keep
PROMPT_NONE_ERRORS = {
    "login": LoginRequiredError,
    "mfa": InteractionRequiredError,
    "consent": ConsentRequiredError,
}


def authorize(params: dict[str, list[str]], pending: AuthorizationRequest | None = None):
    """Answer an authorization request, fresh or resumed from ``pending`` with the parameters
    it was parked with: redirect to the client, or to the sign-in screens."""
    server = authorization_server()
    request = oauth_request(params)
    sso = sessions.current_session()
    response_mode = _response_mode(params)
    try:
        _check_values(params)
        grant = server.get_consent_grant(request, end_user=sso.user if sso else None)
        ctx = _context(grant, sso, pending)
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
        return server.create_authorization_response(request, grant_user=sso.user,
                                                    grant=grant)
    except OAuth2Error as error:
        if pending is not None:
            pending_requests.complete(pending)
        error.state = error.state or request.payload.state
        return error_response(error, response_mode)


def resume_with_error(pending: AuthorizationRequest):
    """Send the error the sign-in screens recorded (e.g. access_denied) back to the client."""
    request = oauth_request(pending.params)
    try:
        grant = authorization_server().get_consent_grant(request)
        error = OAuth2Error(redirect_uri=grant.redirect_uri, error=pending.error,
                            state=request.payload.state)
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


def _check_values(params: dict[str, list[str]]) -> None:
    """Refuse a redirect URI or response type Authlib could not quote in its errors: no URI or
    response type holds such characters."""
    name = unquotable_parameter(params)
    if name is not None:
        raise InvalidRequestError(f"The '{name}' parameter holds a malformed value.")


def _response_mode(params: dict[str, list[str]]) -> str | None:
    mode = (params.get("response_mode") or [None])[0]
    return mode if mode in RESPONSE_MODES else None


def _context(grant, sso, pending) -> policy.Context:
    """What the policy looks at; refuses the parameters the provider does not accept."""
    data = grant.request.payload.data
    redirect_uri = grant.redirect_uri

    def invalid(message: str) -> InvalidRequestError:
        return InvalidRequestError(message, redirect_uri=redirect_uri)

    if data.get("request"):
        raise RequestNotSupportedError(redirect_uri=redirect_uri)
    if data.get("request_uri"):
        raise RequestURINotSupportedError(redirect_uri=redirect_uri)
    if data.get("response_mode") not in (None, *RESPONSE_MODES):
        raise invalid("Unsupported 'response_mode' (use query or form_post).")
    if len(data.get("nonce") or "") > MAX_NONCE:
        raise invalid(f"'nonce' is too long ({MAX_NONCE} characters at most).")
    max_age = data.get("max_age")
    if max_age is not None:
        if not (max_age.isascii() and max_age.isdigit()) or len(max_age) > 9:
            raise invalid("'max_age' must be a non-negative integer.")
        max_age = int(max_age)
    try:
        claims = parse_claims_parameter(data.get("claims"))
    except InvalidRequestError as error:
        raise invalid(error.description) from None
    return policy.Context(
        client=grant.client,
        scope=grant.request.scope or "",
        prompts=(data.get("prompt") or "").split(),
        max_age=max_age,
        acr_values=(data.get("acr_values") or "").split(),
        claims=claims,
        hinted_subject=_hinted_subject(data.get("id_token_hint"), invalid),
        session=sso,
        pending=pending,
    )


def _hinted_subject(hint: str | None, invalid) -> str | None:
    """The subject of an ID token we issued (expired ones are accepted as hints)."""
    if not hint:
        return None
    try:
        token = jwt.decode(hint, keys.key_ring(current_app).public_keys())
    except (JoseError, ValueError):
        raise invalid("Invalid 'id_token_hint'.") from None
    if token.claims.get("iss") != current_app.config["ISSUER"] or not token.claims.get("sub"):
        raise invalid("Invalid 'id_token_hint'.")
    return token.claims["sub"]
