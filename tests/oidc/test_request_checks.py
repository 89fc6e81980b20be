"""The authorization request's checks, one by one: what each refuses, where its error goes (a page
before the client's redirect URI is known good, the client after), and what it keeps for the
interaction policy."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Request
from authlib.oidc.core.errors import (
    LoginRequiredError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from flask import current_app
from joserfc import jwt

from idp.oidc import keys, request_checks
from idp.oidc.authlib_adapter import ParamsPayload
from idp.oidc.request_checks import RequestUnderCheck

from ..helpers import REDIRECT_URI, Actors


def under_check(params: dict[str, str | list[str]], client_known=True):
    """A request with these parameters; with ``client_known``, one past ``code_grant`` (its
    redirect URI, REDIRECT_URI, known good)."""
    oauth = OAuth2Request("GET", "https://op.example/authorize")
    oauth.payload = ParamsPayload({name: value if isinstance(value, list) else [value]
                                   for name, value in params.items()})
    grant = SimpleNamespace(redirect_uri=REDIRECT_URI) if client_known else None
    return RequestUnderCheck(oauth, end_user=None, grant=grant)


def refused(check, params) -> InvalidRequestError:
    """The error ``check`` raises for ``params``."""
    with pytest.raises(InvalidRequestError) as caught:
        check(under_check(params))
    return caught.value


@pytest.mark.parametrize(("name", "value"), [
    ("redirect_uri", 'https://rp.example.org/"cb'), ("redirect_uri", "https://rp.example.org/é"),
    ("response_type", "code\\"), ("response_type", "code\r\n"),
])
def test_a_redirect_uri_or_response_type_an_error_cannot_quote_is_refused_on_a_page(name, value):
    """Such a value is refused before the client is known: the error has no redirect URI."""
    error = refused(request_checks.quotable_redirect_uri_and_response_type, {name: value})
    assert error.redirect_uri is None and name in error.description


def test_every_value_of_a_repeated_parameter_must_be_quotable():
    """A second, malformed value is refused as well as a first one."""
    check = request_checks.quotable_redirect_uri_and_response_type
    refused(check, {"redirect_uri": [REDIRECT_URI, "https://x/\x00"]})
    check(under_check({"redirect_uri": REDIRECT_URI, "response_type": "code", "state": "é\""}))


def test_the_code_grant_check_finds_the_client_and_its_redirect_uri(app, actors):
    """A valid request: the grant is kept, with the exact redirect URI and the granted scope."""
    rp = actors.rp()
    request = under_check(Actors.auth_params(rp), client_known=False)
    with app.app_context():
        request_checks.code_grant(request)
        assert request.grant.redirect_uri == rp.redirect_uri
        assert request.grant.client.client_id == rp.client_id
        assert request.grant.request.scope == "openid profile email"


@pytest.mark.parametrize(("public", "changes", "error", "to_client"), [
    (False, {"client_id": "nobody"}, InvalidClientError, False),
    (False, {"redirect_uri": REDIRECT_URI + "/other"}, InvalidRequestError, False),
    (True, {}, InvalidRequestError, True),  # a public client without PKCE
    (False, {"code_challenge": "A" * 43, "code_challenge_method": "plain"},
     InvalidRequestError, True),
    (False, {"code_challenge": "A" * 43}, InvalidRequestError, True),  # S256 must be named
    (False, {"prompt": "none"}, LoginRequiredError, True),  # and nobody signed in
    (False, {"prompt": "none login"}, InvalidRequestError, True),
])
def test_the_code_grant_check_refuses_what_authlib_and_its_extensions_refuse(
        app, actors, public, changes, error, to_client):
    """Unknown client or redirect URI: a page; PKCE and prompt mistakes: back to the client."""
    rp = actors.rp(auth_method="none") if public else actors.rp()
    request = under_check(Actors.auth_params(rp, **changes), client_known=False)
    with app.app_context(), pytest.raises(error) as caught:
        request_checks.code_grant(request)
    assert caught.value.redirect_uri == (rp.redirect_uri if to_client else None)


@pytest.mark.parametrize(("name", "error"), [("request", RequestNotSupportedError),
                                             ("request_uri", RequestURINotSupportedError)])
def test_a_request_object_is_refused_back_to_the_client(name, error):
    with pytest.raises(error) as caught:
        request_checks.no_request_object(under_check({name: "eyJhbGciOiJub25lIn0.e30."}))
    assert caught.value.redirect_uri == REDIRECT_URI
    request_checks.no_request_object(under_check({name: ""}))  # an empty one is no request


@pytest.mark.parametrize("mode", ["fragment", "form_post.jwt", "", "QUERY"])
def test_a_response_mode_other_than_query_or_form_post_is_refused(mode):
    error = refused(request_checks.supported_response_mode, {"response_mode": mode})
    assert error.redirect_uri == REDIRECT_URI


@pytest.mark.parametrize("params", [{}, {"response_mode": "query"},
                                    {"response_mode": "form_post"}])
def test_query_and_form_post_are_the_response_modes(params):
    request_checks.supported_response_mode(under_check(params))


def test_a_nonce_longer_than_a_code_keeps_is_refused():
    request_checks.nonce_length(under_check({"nonce": "n" * request_checks.MAX_NONCE}))
    error = refused(request_checks.nonce_length, {"nonce": "n" * (request_checks.MAX_NONCE + 1)})
    assert error.redirect_uri == REDIRECT_URI


@pytest.mark.parametrize(("value", "seconds"), [(None, None), ("0", 0), ("300", 300),
                                                ("999999999", 999999999)])
def test_max_age_is_kept_as_seconds(value, seconds):
    request = under_check({} if value is None else {"max_age": value})
    request_checks.max_age(request)
    assert request.max_age == seconds


@pytest.mark.parametrize("value", ["", "-1", "1.5", " 10", "1e3", "²", "١٢", "1000000000"])
def test_a_max_age_that_is_not_a_plain_number_is_refused(value):
    error = refused(request_checks.max_age, {"max_age": value})
    assert error.redirect_uri == REDIRECT_URI


def test_the_claims_parameter_is_kept_parsed():
    asked = {"id_token": {"acr": {"essential": True, "values": ["mfa"]}}}
    request = under_check({"claims": json.dumps(asked)})
    request_checks.claims(request)
    assert request.claims == {"id_token": asked["id_token"], "userinfo": {}}


def test_a_malformed_claims_parameter_is_refused_back_to_the_client():
    error = refused(request_checks.claims, {"claims": "[]"})
    assert error.redirect_uri == REDIRECT_URI and "JSON object" in error.description


def hint(claims: dict) -> str:
    """An ID token signed by the provider's current key."""
    kid, key = keys.key_ring(current_app).signing_key("RS256")
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


def test_the_subject_of_an_id_token_hint_is_kept(ctx):
    request = under_check({"id_token_hint": hint({"iss": "http://localhost", "sub": "s-1",
                                                  "exp": 0})})  # expired hints count too
    request_checks.id_token_hint(request)
    assert request.hinted_subject == "s-1"


@pytest.mark.parametrize("claims", [{"iss": "https://other.example", "sub": "s-1"},
                                    {"iss": "http://localhost"}, None])
def test_an_id_token_hint_not_issued_here_is_refused(ctx, claims):
    value = hint(claims) if claims else "not.a.token"
    error = refused(request_checks.id_token_hint, {"id_token_hint": value})
    assert error.redirect_uri == REDIRECT_URI


def test_the_checks_run_in_order_and_the_first_failure_decides(app, actors):
    """A request wrong in several ways gets the error of the earliest check."""
    rp = actors.rp()
    faults = {"response_mode": "fragment", "max_age": "-1", "claims": "[]"}

    def first_error(**more):
        request = under_check(Actors.auth_params(rp, **faults, **more), client_known=False)
        with pytest.raises(OAuth2Error) as caught:
            request_checks.run(request)
        return caught.value

    with app.app_context():
        assert "response_mode" in first_error().description
        assert first_error(request="x").error == "request_not_supported"
        unquotable = first_error(request="x", redirect_uri='https://rp.example.org/"')
        assert unquotable.redirect_uri is None  # refused before the client was looked at


def test_a_request_that_passes_every_check_is_ready_for_the_policy(app, actors):
    rp = actors.rp()
    request = under_check(Actors.auth_params(rp, max_age="60", claims='{"userinfo": {}}'),
                          client_known=False)
    with app.app_context():
        request_checks.run(request)
    assert request.grant.redirect_uri == rp.redirect_uri
    assert (request.max_age, request.claims, request.hinted_subject) == (
        60, {"userinfo": {}, "id_token": {}}, None)
