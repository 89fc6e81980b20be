"""Discovery: the one URL clients are given; everything else is found through it."""

from __future__ import annotations

import pytest
from authlib.oidc.discovery import OpenIDProviderMetadata

from idp.oidc.discovery import provider_metadata

from ..helpers import counted_statements

DISCOVERY = "/.well-known/openid-configuration"
ENDPOINTS = [
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
]


@pytest.fixture
def metadata(client):
    response = client.get(DISCOVERY)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_the_issuer_is_the_configured_one(app, metadata):
    assert metadata["issuer"] == app.config["ISSUER"]


@pytest.mark.parametrize("field", ENDPOINTS)
def test_every_endpoint_is_advertised_under_the_issuer(app, metadata, field):
    assert metadata[field].startswith(app.config["ISSUER"] + "/")


@pytest.mark.parametrize("field", ENDPOINTS)
def test_every_advertised_endpoint_answers(app, client, metadata, field):
    path = metadata[field][len(app.config["ISSUER"]):]

    response = client.get(path)

    assert response.status_code != 404, (field, path)


def test_the_advertised_endpoints_are_the_expected_ones(metadata):
    issuer = metadata["issuer"]
    assert metadata["authorization_endpoint"] == issuer + "/authorize"
    assert metadata["token_endpoint"] == issuer + "/token"
    assert metadata["jwks_uri"] == issuer + "/jwks.json"


def test_only_the_code_flow_is_offered(metadata):
    assert metadata["response_types_supported"] == ["code"]
    assert set(metadata["response_modes_supported"]) == {"query", "form_post"}
    assert set(metadata["grant_types_supported"]) == {
        "authorization_code", "refresh_token", "client_credentials"
    }
    assert metadata["subject_types_supported"] == ["public"]


def test_pkce_is_offered_with_s256_only(metadata):
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_the_scopes_are_the_configured_ones(app, metadata):
    assert metadata["scopes_supported"] == app.config["SCOPES_SUPPORTED"]
    assert {"openid", "mailboxes", "offline_access"} <= set(metadata["scopes_supported"])


def test_id_tokens_may_be_signed_with_rs256_or_es256(metadata):
    assert set(metadata["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}


def test_every_client_authentication_method_is_advertised(metadata):
    methods = metadata["token_endpoint_auth_methods_supported"]
    assert set(methods) == {
        "client_secret_basic", "client_secret_post", "private_key_jwt", "none"
    }
    assert "none" not in metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert "none" not in metadata["introspection_endpoint_auth_methods_supported"]


def test_the_authentication_levels_are_pwd_and_mfa(metadata):
    assert set(metadata["acr_values_supported"]) == {"pwd", "mfa"}


def test_the_claims_include_identity_authentication_and_mailboxes(metadata):
    claims = set(metadata["claims_supported"])
    assert {"sub", "email", "email_verified", "name", "given_name", "family_name",
            "preferred_username", "mailboxes", "acr", "amr", "auth_time", "sid"} <= claims
    assert metadata["claims_parameter_supported"] is True


def test_the_iss_response_parameter_and_back_channel_logout_are_advertised(metadata):
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True


def test_request_objects_are_not_offered(metadata):
    assert metadata["request_parameter_supported"] is False
    assert metadata["request_uri_parameter_supported"] is False


def test_the_document_validates_as_openid_provider_metadata(metadata):
    OpenIDProviderMetadata(metadata).validate()


def test_the_document_may_be_cached_and_read_from_any_origin(client):
    response = client.get(DISCOVERY)

    assert "max-age=" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_document_is_served_from_memory(app, client):
    client.get(DISCOVERY)
    with counted_statements(app) as statements:
        first = client.get(DISCOVERY)
        second = client.get(DISCOVERY)

    assert first.json == second.json
    assert statements == []


def test_the_document_is_built_once_per_process(app):
    with app.test_request_context(DISCOVERY):
        assert provider_metadata() is provider_metadata()
