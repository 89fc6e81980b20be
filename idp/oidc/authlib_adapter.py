"""Authlib beyond its documented hooks: every such reliance of the provider, in this module.

Everywhere else the provider uses Authlib through its hooks and public classes. The pieces here
lean on how Authlib works inside; each says on what, and why. tests/oidc/test_authlib_adapter.py
pins each of those behaviours on the installed Authlib, so an upgrade that changes one fails
there, by name, rather than somewhere deep in a flow. It also pins what the grants' hooks expect
Authlib to have set on a request when it calls them (``grants``, ``tokens.save_token``,
``logout``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from authlib.integrations import flask_oauth2
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    OAuth2Payload,
    OAuth2Request,
    UnsupportedGrantTypeError,
)
from flask import request as flask_request
from werkzeug.datastructures import MultiDict

#: The parameters Authlib quotes in the descriptions of its errors (an unregistered redirect URI,
#: an unsupported response type).
QUOTED_IN_ERRORS = ("redirect_uri", "response_type")
#: Where Authlib's code grant is told to answer, so that its parameters can be read back.
ANSWER_PLACEHOLDER = "https://placeholder.invalid/"


class ParamsPayload(OAuth2Payload):
    """Request parameters kept as {name: [values]}, as Authlib reads a payload: ``data`` gives
    the first value of each, ``datalist`` every value."""

    def __init__(self, params: dict[str, list[str]]):
        self.params = params
        self.first_values = MultiDict(params)

    @property
    def data(self) -> MultiDict:
        return self.first_values

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self.params


def oauth_request(params: dict[str, list[str]]) -> OAuth2Request:
    """An Authlib request for the HTTP request being served, carrying ``params``.

    Authlib's Flask request reads the parameters of the HTTP request being served; a request
    parked for the sign-in screens is resumed by another one, which does not carry them. Built
    from its parameters, an authorization request takes the same path whether fresh or resumed.
    Authlib reads nothing but the payload of an authorization request.
    """
    request = OAuth2Request(flask_request.method, flask_request.url,
                            headers=flask_request.headers)
    request.payload = ParamsPayload(params)
    return request


def unquotable_parameter(params: dict[str, list[str]]) -> str | None:
    """The first parameter Authlib would quote in an error description that holds a character
    RFC 6749 forbids there (quotes, backslashes, controls, non-ASCII), or None.

    Authlib refuses such a description with a ValueError, so it could not even build the error
    telling the client its redirect URI or response type is wrong.
    """
    for name in QUOTED_IN_ERRORS:
        if any(invalid_error_characters(value) for value in params.get(name, ())):
            return name
    return None


def code_response_params(create_response, grant_user) -> list[tuple[str, str]]:
    """The parameters of a code grant's answer (code, and state when the client sent one).

    ``create_response`` is Authlib's ``AuthorizationCodeGrant.create_authorization_response``:
    it makes the code and saves it (through ``save_authorization_code``), but answers only as a
    redirect with its parameters in the query, and without ``iss``. It answers here at a
    placeholder, its parameters are read back, and the provider delivers them itself, in the
    client's response mode (``responses.authorization_redirect``).
    """
    _, _, headers = create_response(ANSWER_PLACEHOLDER, grant_user)
    location = dict(headers)["Location"]
    return parse_qsl(urlsplit(location).query, keep_blank_values=True)


class AuthorizationServer(flask_oauth2.AuthorizationServer):
    """Authlib's Flask authorization server, adjusted where Authlib's behaviour needs it."""

    def create_oauth2_request(self, request) -> OAuth2Request:
        """Keep a request built by ``oauth_request``: Authlib's Flask server builds every request
        from the HTTP request being served, ignoring the one it is given, and
        ``get_consent_grant`` passes its request through here."""
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)

    def authenticate_client(self, request, methods, endpoint="token"):
        """Malformed HTTP Basic credentials are invalid_client: Authlib decodes them as UTF-8
        unguarded, and its UnicodeDecodeError would be a server error."""
        try:
            return super().authenticate_client(request, methods, endpoint)
        except UnicodeDecodeError:
            raise InvalidClientError(
                status_code=401, description="Malformed HTTP Basic credentials."
            ) from None

    def get_token_grant(self, request):
        """An unsupported grant type is explained: Authlib leaves its description empty."""
        try:
            return super().get_token_grant(request)
        except UnsupportedGrantTypeError as error:
            error.description = "The grant_type is missing or not supported by this provider."
            raise
