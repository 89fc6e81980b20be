"""What the provider relies on in Authlib's workings, pinned on the installed version.

Each test names one behaviour of Authlib that idp/oidc/authlib_adapter.py (or a hook elsewhere)
depends on; when an upgrade changes it, the test fails here and says which piece to revisit,
instead of a flow failing somewhere deep.
"""

from __future__ import annotations

import base64
import dataclasses
from types import SimpleNamespace

import pytest
from authlib.integrations import flask_oauth2
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    ClientAuthentication,
    InvalidClientError,
    InvalidRequestError,
    OAuth2Request,
    UnsupportedGrantTypeError,
    grants,
)
from authlib.oidc import rpinitiated

from idp.oidc import logout
from idp.oidc.authlib_adapter import (
    QUOTED_IN_ERRORS,
    ParamsPayload,
    code_response_params,
    oauth_request,
    unquotable_parameter,
)
from idp.oidc.server import authorization_server

from ..helpers import Actors

RESUME_URL = "/authorize/resume/uid"  # an HTTP request that carries no authorization parameter


def as_lists(params: dict[str, str]) -> dict[str, list[str]]:
    return {name: [value] for name, value in params.items()}


def test_authlibs_flask_server_reads_only_the_http_request_being_served(app):
    """Authlib's Flask server ignores the request it is given: the adapter's server keeps it."""
    with app.test_request_context(RESUME_URL):
        built = oauth_request({"client_id": ["c"], "state": ["s"]})
        rebuilt = flask_oauth2.AuthorizationServer().create_oauth2_request(built)
        assert rebuilt is not built and rebuilt.payload.state is None, (
            "Authlib's Flask server now keeps the request it is given: "
            "AuthorizationServer.create_oauth2_request of the adapter may go")
        assert authorization_server().create_oauth2_request(built) is built


def test_a_request_built_from_parameters_passes_authlibs_consent_validation(app, actors):
    """get_consent_grant passes its request through create_oauth2_request and reads nothing
    but the payload: a resumed request validates from its stored parameters alone."""
    rp = actors.rp()
    params = as_lists(Actors.auth_params(rp))
    with app.test_request_context(RESUME_URL):
        request = oauth_request(params)
        grant = authorization_server().get_consent_grant(request)
        assert grant.request is request, "get_consent_grant no longer keeps the request given"
        assert grant.redirect_uri == rp.redirect_uri
        assert request.client.client_id == rp.client_id
        assert request.scope == "openid profile email"


def test_authlib_reads_repeated_parameters_from_the_payloads_datalist(app, actors):
    """Authlib refuses a repeated core parameter by reading ``datalist``, as the adapter's
    payload gives it."""
    rp = actors.rp()
    params = as_lists(Actors.auth_params(rp))
    params["state"].append("another")
    with app.test_request_context(RESUME_URL), pytest.raises(InvalidRequestError) as caught:
        authorization_server().get_consent_grant(oauth_request(params))
    assert caught.value.description == "Multiple 'state' in request."
    assert caught.value.redirect_uri is None


@pytest.mark.parametrize(("name", "value"), [("redirect_uri", "https://elsewhere.example/cb"),
                                             ("response_type", "token")])
def test_authlib_quotes_redirect_uri_and_response_type_in_its_errors(app, actors, name, value):
    """A wrong redirect URI or response type is quoted in Authlib's error; with a character RFC
    6749 forbids in a description, Authlib cannot build that error at all (a server error):
    hence the adapter's QUOTED_IN_ERRORS, checked before Authlib sees the request."""
    assert name in QUOTED_IN_ERRORS
    params = as_lists(Actors.auth_params(actors.rp(), **{name: value}))
    with app.test_request_context(RESUME_URL):
        with pytest.raises(OAuth2Error) as caught:
            authorization_server().get_consent_grant(oauth_request(params))
        assert value in caught.value.description, f"Authlib no longer quotes {name}"
        params[name] = [value + '"']
        with pytest.raises(ValueError, match="forbidden characters"):
            authorization_server().get_consent_grant(oauth_request(params))


@pytest.mark.parametrize("text", ['quote"', "back\\slash", "é", "tab\t", "nul\x00",
                                  "printable ASCII !#[]~", ""])
def test_unquotable_parameter_finds_what_authlib_refuses_in_an_error(text):
    """The adapter refuses exactly the values Authlib could not put in an error description."""
    try:
        OAuth2Error(description=text)
        accepted = True
    except ValueError:
        accepted = False
    assert (unquotable_parameter({"redirect_uri": [text]}) is None) is accepted


def test_authlib_decodes_http_basic_credentials_unguarded(app):
    """Authlib decodes HTTP Basic credentials as UTF-8 without catching the error; the adapter's
    server answers invalid_client (401) instead of a server error."""
    header = "Basic " + base64.b64encode(b"\xff\xfe:secret").decode()
    with app.test_request_context("/token", method="POST", headers={"Authorization": header}):
        request = authorization_server().create_oauth2_request(None)
        with pytest.raises(UnicodeDecodeError):  # if this stops, the adapter's catch may go
            ClientAuthentication(lambda _client_id: None)(request, ["client_secret_basic"])
        with pytest.raises(InvalidClientError) as caught:
            authorization_server().authenticate_client(request, ["client_secret_basic"])
    assert caught.value.status_code == 401


def test_authlib_leaves_an_unsupported_grant_type_unexplained(app):
    """Authlib's unsupported_grant_type has no description; the adapter's server gives one."""
    with app.test_request_context("/token", method="POST", data={"grant_type": "password"}):
        server = authorization_server()
        request = server.create_oauth2_request(None)
        with pytest.raises(UnsupportedGrantTypeError) as plain:
            flask_oauth2.AuthorizationServer.get_token_grant(server, request)
        assert not plain.value.description
        with pytest.raises(UnsupportedGrantTypeError) as explained:
            server.get_token_grant(request)
    assert explained.value.description


class RecordingCodeGrant(grants.AuthorizationCodeGrant):
    """Authlib's code grant, keeping the codes it saves in a list."""

    def save_authorization_code(self, code, request):
        self.saved = [*getattr(self, "saved", []), (code, request.user)]


@pytest.mark.parametrize("state", ["a b/é&=?%20+ü→", None])
def test_authlibs_code_grant_makes_saves_and_answers_the_code_with_the_state(state):
    """Authlib's code grant makes the code, saves it for the person, and answers with the code
    and the state alone: code_response_params reads them back for the provider to deliver
    with iss (were Authlib to add iss or another parameter, it would be sent twice)."""
    request = OAuth2Request("GET", "https://op.example/authorize")
    request.payload = ParamsPayload({"state": [state]} if state else {})
    grant = RecordingCodeGrant(request, server=None)
    params = code_response_params(grant.create_authorization_response, "alice")
    assert [name for name, _ in params] == (["code", "state"] if state else ["code"]), (
        "Authlib's code grant answers with other parameters: review code_response_params")
    assert grant.saved == [(params[0][1], "alice")] and request.user == "alice"
    assert dict(params).get("state") == state


# The grants' hooks below are Authlib's public ones, but rely on the order Authlib calls them in
# and on what it has set on the request by then.


class GrantServer:
    """What a grant asks of its server: the client, a token, somewhere to save it."""

    def __init__(self):
        self.client = SimpleNamespace(check_grant_type=lambda _grant_type: True)
        self.saved = []

    def authenticate_client(self, request, methods, endpoint="token"):
        return self.client

    def send_signal(self, *args, **kwargs):
        pass

    def generate_token(self, **kwargs):
        return {"access_token": "at", "scope": kwargs["scope"]}

    def save_token(self, token, request):
        self.saved.append({"client": request.client, "user": request.user,
                           "code": request.authorization_code,
                           "refresh_token": request.refresh_token})


def test_authlibs_refresh_grant_knows_the_client_before_spending_the_token(app):
    """RefreshTokenGrant.authenticate_refresh_token reads request.client (a refresh token is not
    spent for another client), and create_token_response reads request.refresh_token (a
    retried refresh); save_token then reads the client, the person and the rotated token."""
    server, token = GrantServer(), SimpleNamespace(get_scope=lambda: "openid")
    token.check_client = lambda client: client is server.client
    seen = []

    class Probe(grants.RefreshTokenGrant):
        def authenticate_refresh_token(self, refresh_token):
            seen.append(self.request.client)
            return token

        def authenticate_user(self, refresh_token):
            return "alice"

        def revoke_old_credential(self, refresh_token):
            pass

    form = {"grant_type": "refresh_token", "refresh_token": "r"}
    with app.test_request_context("/token", method="POST", data=form):
        grant = Probe(authorization_server().create_oauth2_request(None), server)
        grant.validate_token_request()
        assert seen == [server.client], "the client is no longer known before the token"
        assert grant.request.refresh_token is token
        grant.create_token_response()
    assert server.saved == [{"client": server.client, "user": "alice", "code": None,
                             "refresh_token": token}]


def test_authlibs_code_grant_sets_the_code_before_saving_the_tokens(app):
    """save_token finds the redeemed code (its session, acr, claims) on the request."""
    server = GrantServer()
    code = SimpleNamespace(get_redirect_uri=lambda: "https://rp.example.org/cb",
                           get_scope=lambda: "openid")

    class Probe(grants.AuthorizationCodeGrant):
        def query_authorization_code(self, value, client):
            return code if value == "c" else None

        def authenticate_user(self, authorization_code):
            return "alice"

        def delete_authorization_code(self, authorization_code):
            pass

    form = {"grant_type": "authorization_code", "code": "c",
            "redirect_uri": "https://rp.example.org/cb"}
    with app.test_request_context("/token", method="POST", data=form):
        grant = Probe(authorization_server().create_oauth2_request(None), server)
        grant.validate_token_request()
        grant.create_token_response()
    assert server.saved == [{"client": server.client, "user": "alice", "code": code,
                             "refresh_token": None}]


def test_authlibs_end_session_request_can_be_extended_field_by_field():
    """logout.EndSessionRequest copies every field of Authlib's validated request into its own,
    which adds two: Authlib's must stay a dataclass whose fields are all set by its caller."""
    authlib_fields = dataclasses.fields(rpinitiated.EndSessionRequest)
    assert all(field.init for field in authlib_fields)
    ours = {field.name for field in dataclasses.fields(logout.EndSessionRequest)}
    assert ours == {field.name for field in authlib_fields} | {"other_person", "foreign_session"}
