"""The client_credentials grant: service clients get access tokens for themselves (no person, no
refresh token, no ID token), and each client is held to the grant type it registered."""

from __future__ import annotations

import pytest

from idp.extensions import db
from idp.models import Client

from ..helpers import REDIRECT_URI, query_of
from .token_helpers import (
    assert_error,
    assert_tokens,
    code_for,
    count_tokens,
    introspect,
    post_token,
    resource_server,
    userinfo,
)

SERVICE = {"grant_type": "client_credentials", "redirect_uris": [],
           "post_logout_redirect_uris": []}


@pytest.fixture
def service(actors):
    return actors.rp(name="Annuaire", scope="profile email mailboxes", **SERVICE)


def credentials_grant(browser, rp, **extra):
    return post_token(browser, {"grant_type": "client_credentials", **extra},
                      auth=(rp.client_id, rp.client_secret))


def test_a_service_client_gets_an_access_token_alone(client, service):
    body = assert_tokens(credentials_grant(client, service))
    assert "refresh_token" not in body
    assert "id_token" not in body


def test_the_token_is_stored_and_introspects_as_the_clients_own(app, client, actors, service):
    body = assert_tokens(credentials_grant(client, service, scope="email"))
    assert count_tokens(app) == 1
    info = introspect(client, resource_server(actors), body["access_token"])
    assert info["active"] is True
    assert info["client_id"] == service.client_id
    assert info["scope"] == "email"
    assert "sub" not in info and "username" not in info


def test_a_requested_scope_is_granted_within_the_registered_scope(client, service):
    body = assert_tokens(credentials_grant(client, service, scope="email mailboxes"))
    assert body["scope"] == "email mailboxes"


def test_scopes_the_client_did_not_register_are_not_granted(client, service):
    body = assert_tokens(credentials_grant(client, service, scope="email phone"))
    assert body["scope"] == "email"


def test_an_unknown_scope_is_refused(client, service):
    assert_error(credentials_grant(client, service, scope="email superuser"), "invalid_scope")


def test_a_service_token_carries_no_person_so_userinfo_refuses_it(client, actors):
    service = actors.rp(scope="openid profile", **SERVICE)
    body = assert_tokens(credentials_grant(client, service, scope="openid profile"))
    assert "id_token" not in body
    assert userinfo(client, body["access_token"]).status_code in (401, 403)


def test_each_request_gets_a_new_token(client, service):
    first = assert_tokens(credentials_grant(client, service))
    second = assert_tokens(credentials_grant(client, service))
    assert first["access_token"] != second["access_token"]


def test_a_code_flow_client_cannot_use_client_credentials(client, actors):
    webmail = actors.rp()
    assert_error(credentials_grant(client, webmail), "unauthorized_client")


def test_a_public_client_cannot_use_client_credentials(client, actors):
    spa = actors.rp(auth_method="none")
    response = post_token(client, {"grant_type": "client_credentials", "client_id": spa.client_id})
    assert_error(response, "invalid_client", 401)


def test_a_client_credentials_client_cannot_redeem_a_code(client, actors, service):
    actors.user()
    webmail = actors.rp()
    code, verifier = code_for(actors, client, webmail)
    response = post_token(client, {
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": webmail.redirect_uri,
    }, auth=(service.client_id, service.client_secret))
    assert_error(response, "unauthorized_client")
    # The refused attempt left the code to its owner.
    assert_tokens(actors.redeem(client, webmail, code, verifier))


def test_a_client_credentials_client_cannot_start_the_code_flow(app, client, service):
    """Registration gives it no redirect URI; even one written into its record gets no code."""
    params = {"response_type": "code", "client_id": service.client_id, "scope": "openid",
              "redirect_uri": REDIRECT_URI, "state": "s1"}
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 400
    assert "Location" not in response.headers

    with app.app_context():
        db.session.execute(db.update(Client).where(Client.client_id == service.client_id)
                           .values(redirect_uris=[REDIRECT_URI]))
        db.session.commit()
        db.session.remove()
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert query["error"] == "unauthorized_client"
    assert "code" not in query


def test_wrong_credentials_get_no_token(app, client, service):
    response = post_token(client, {"grant_type": "client_credentials"},
                          auth=(service.client_id, "wrong"))
    assert_error(response, "invalid_client", 401)
    assert count_tokens(app) == 0
