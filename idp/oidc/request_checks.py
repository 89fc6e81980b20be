"""The checks of an authorization request: one rule each, run in order (``CHECKS``).

As in node-oidc-provider's lib/actions/authorization, each rule is a few lines, tested on its
own, and the first that fails ends the request with its OAuth error. A fresh request and one
resumed after the sign-in screens run the same chain, from the same parameters. Until
``code_grant`` has found the client and its exact redirect URI, an error is shown to the person
(nothing goes to an address not known good); from then on, errors go back to the client. The
interaction policy (``policy``) looks at the request only once every check passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request
from authlib.oidc.core.errors import RequestNotSupportedError, RequestURINotSupportedError
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from ..models import AuthorizationCode, User
from . import keys
from .authlib_adapter import unquotable_parameter
from .claims import parse_claims_parameter
from .grants import AuthorizationCodeGrant
from .responses import RESPONSE_MODES
from .server import authorization_server

MAX_NONCE = AuthorizationCode.nonce.type.length  # the longest nonce a code can keep


@dataclass
class RequestUnderCheck:
    """An authorization request going through the checks, and what they learn of it."""

    oauth: OAuth2Request
    end_user: User | None
    grant: AuthorizationCodeGrant | None = None
    max_age: int | None = None
    claims: dict[str, dict[str, Any]] | None = None
    hinted_subject: str | None = None

    def value(self, name: str) -> str | None:
        """The parameter's value (its first, if repeated), or None."""
        return self.oauth.payload.data.get(name)

    def invalid(self, message: str) -> InvalidRequestError:
        """invalid_request, sent back to the client once its redirect URI is known good."""
        return InvalidRequestError(message, redirect_uri=self.grant.redirect_uri)


def quotable_redirect_uri_and_response_type(request: RequestUnderCheck) -> None:
    """No URI or response type holds a character an OAuth error may not quote (Authlib quotes
    these two in its errors, and could not build them)."""
    name = unquotable_parameter(request.oauth.payload.datalist)
    if name is not None:
        raise InvalidRequestError(f"The '{name}' parameter holds a malformed value.")


def code_grant(request: RequestUnderCheck) -> None:
    """Authlib's code grant with its OpenID Connect and PKCE extensions (``grants``): the
    response type is code; the core parameters come once; the client is known, with this exact
    redirect URI, and may use the code flow; the scope is offered; the nonce is new; PKCE is S256
    and public clients use it; prompt=none comes alone, and without a session is
    login_required."""
    request.grant = authorization_server().get_consent_grant(request.oauth,
                                                             end_user=request.end_user)


def no_request_object(request: RequestUnderCheck) -> None:
    """Request objects are not offered: refused, rather than their parameters ignored."""
    if request.value("request"):
        raise RequestNotSupportedError(redirect_uri=request.grant.redirect_uri)
    if request.value("request_uri"):
        raise RequestURINotSupportedError(redirect_uri=request.grant.redirect_uri)


def supported_response_mode(request: RequestUnderCheck) -> None:
    """The answer travels in the query or as a form post."""
    if request.value("response_mode") not in (None, *RESPONSE_MODES):
        raise request.invalid("Unsupported 'response_mode' (use query or form_post).")


def nonce_length(request: RequestUnderCheck) -> None:
    """The nonce fits in the code that will carry it to the ID token."""
    if len(request.value("nonce") or "") > MAX_NONCE:
        raise request.invalid(f"'nonce' is too long ({MAX_NONCE} characters at most).")


def max_age(request: RequestUnderCheck) -> None:
    """max_age, when given, is a plain non-negative number of seconds."""
    value = request.value("max_age")
    if value is None:
        return
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise request.invalid("'max_age' must be a non-negative integer.")
    request.max_age = int(value)


def claims(request: RequestUnderCheck) -> None:
    """The claims parameter, when given, is a JSON object of the shape OpenID Connect defines."""
    try:
        request.claims = parse_claims_parameter(request.value("claims"))
    except InvalidRequestError as error:
        raise request.invalid(error.description) from None


def id_token_hint(request: RequestUnderCheck) -> None:
    """id_token_hint, when given, is an ID token this provider issued (expired ones count)."""
    hint = request.value("id_token_hint")
    if not hint:
        return
    try:
        token = jwt.decode(hint, keys.key_ring(current_app).public_keys())
    except (JoseError, ValueError):
        raise request.invalid("Invalid 'id_token_hint'.") from None
    if token.claims.get("iss") != current_app.config["ISSUER"] or not token.claims.get("sub"):
        raise request.invalid("Invalid 'id_token_hint'.")
    request.hinted_subject = token.claims["sub"]


CHECKS: list[Callable[[RequestUnderCheck], None]] = [
    quotable_redirect_uri_and_response_type, code_grant, no_request_object,
    supported_response_mode, nonce_length, max_age, claims, id_token_hint,
]


def run(request: RequestUnderCheck) -> None:
    """Run every check in order; the first that fails raises its OAuth error."""
    for check in CHECKS:
        check(request)
