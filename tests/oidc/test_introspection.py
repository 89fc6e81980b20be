"""Token introspection (RFC 7662): what a client, or a resource server, learns about a token."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from idp.extensions import db
from idp.models import Token, User, UserStatus

ALICE = "alice.martin@chu-test.mssante.fr"
SCOPE = "openid profile email offline_access"


def endpoint(browser, name: str) -> str:
    """An endpoint URL, found through discovery as an outside client would."""
    return browser.get("/.well-known/openid-configuration").json[name]


def introspect(browser, rp, token: str, **extra):
    return browser.post(endpoint(browser, "introspection_endpoint"),
                        data={"token": token, **extra}, auth=(rp.client_id, rp.client_secret))


@pytest.fixture
def issued(client, actors, rp):
    return actors.tokens(client, rp, scope=SCOPE)


def test_a_client_learns_who_and_what_its_own_access_token_is_for(app, client, rp, issued):
    before = int(time.time())
    response = introspect(client, rp, issued["access_token"])
    assert response.status_code == 200
    answer = response.json
    with app.app_context():
        subject = db.session.scalar(db.select(User.subject).where(User.email == ALICE))
    assert answer["active"] is True
    assert answer["sub"] == subject
    assert answer["client_id"] == rp.client_id
    assert answer["scope"].split() == SCOPE.split()
    assert answer["username"] == ALICE
    assert answer["acr"] == "pwd"
    assert answer["iss"] == app.config["ISSUER"]
    assert answer["token_type"] == "Bearer"
    assert before - 5 <= answer["iat"] <= int(time.time())
    assert answer["exp"] - answer["iat"] == app.config["ACCESS_TOKEN_TTL_SECONDS"]
    assert answer["exp"] - answer["iat"] == issued["expires_in"]


def test_the_answer_is_never_cached(client, rp, issued):
    response = introspect(client, rp, issued["access_token"])
    assert response.headers["Cache-Control"] == "no-store"


def test_a_refresh_token_introspects_with_its_own_lifetime(app, client, rp, issued):
    answer = introspect(client, rp, issued["refresh_token"],
                        token_type_hint="refresh_token").json
    assert answer["active"] is True
    assert answer["client_id"] == rp.client_id
    assert answer["username"] == ALICE
    assert answer["token_type"] == "refresh_token"
    assert answer["exp"] - answer["iat"] == app.config["REFRESH_TOKEN_TTL_SECONDS"]


def test_a_refresh_token_introspects_without_a_hint(client, rp, issued):
    answer = introspect(client, rp, issued["refresh_token"]).json
    assert answer["active"] is True
    assert answer["token_type"] == "refresh_token"


def test_a_refresh_token_that_was_used_is_no_longer_active(client, rp, issued):
    rotated = client.post(endpoint(client, "token_endpoint"), data={
        "grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
    }, auth=(rp.client_id, rp.client_secret))
    assert rotated.status_code == 200
    assert introspect(client, rp, issued["refresh_token"]).json == {"active": False}
    assert introspect(client, rp, issued["access_token"]).json == {"active": False}
    assert introspect(client, rp, rotated.json["refresh_token"]).json["active"] is True
    assert introspect(client, rp, rotated.json["access_token"]).json["active"] is True


def test_another_clients_token_looks_inactive(client, actors, issued):
    other = actors.rp(name="Autre application")
    assert introspect(client, other, issued["access_token"]).json == {"active": False}
    assert introspect(client, other, issued["refresh_token"]).json == {"active": False}


def test_a_resource_server_may_introspect_any_clients_token(client, actors, rp, issued):
    api = actors.rp(name="API dossier patient", resource_server=True)
    answer = introspect(client, api, issued["access_token"]).json
    assert answer["active"] is True
    assert answer["client_id"] == rp.client_id
    assert answer["username"] == ALICE


def test_a_resource_server_may_introspect_a_client_credentials_token(client, actors):
    service = actors.rp(grant_type="client_credentials", redirect_uris=[],
                        post_logout_redirect_uris=[], name="Service d'annuaire")
    issued = client.post(endpoint(client, "token_endpoint"), data={
        "grant_type": "client_credentials", "scope": "profile",
    }, auth=(service.client_id, service.client_secret))
    assert issued.status_code == 200, issued.json
    api = actors.rp(name="API", resource_server=True)
    answer = introspect(client, api, issued.json["access_token"]).json
    assert answer["active"] is True
    assert answer["client_id"] == service.client_id
    assert "sub" not in answer and "username" not in answer


def test_an_expired_access_token_is_inactive(app, client, rp, issued):
    with app.app_context():
        row = db.session.scalar(db.select(Token))
        row.issued_at -= timedelta(seconds=row.expires_in + 1)
        db.session.commit()
    assert introspect(client, rp, issued["access_token"]).json == {"active": False}


def test_an_expired_refresh_token_is_inactive(app, client, rp, issued):
    with app.app_context():
        row = db.session.scalar(db.select(Token))
        row.refresh_expires_at -= timedelta(seconds=app.config["REFRESH_TOKEN_TTL_SECONDS"] + 1)
        db.session.commit()
    assert introspect(client, rp, issued["refresh_token"]).json == {"active": False}


def test_a_revoked_token_is_inactive(client, rp, issued):
    revoked = client.post(endpoint(client, "revocation_endpoint"),
                          data={"token": issued["access_token"]},
                          auth=(rp.client_id, rp.client_secret))
    assert revoked.status_code == 200
    assert introspect(client, rp, issued["access_token"]).json == {"active": False}
    assert introspect(client, rp, issued["refresh_token"]).json == {"active": False}


def test_an_unknown_token_is_inactive(client, rp):
    response = introspect(client, rp, "a-token-that-was-never-issued")
    assert response.status_code == 200
    assert response.json == {"active": False}


def test_a_token_of_a_disabled_person_is_inactive(app, client, rp, issued):
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        alice.status = UserStatus.DISABLED.value
        db.session.commit()
    assert introspect(client, rp, issued["access_token"]).json == {"active": False}


def test_a_public_client_cannot_introspect(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none", name="Application mobile")
    issued = actors.tokens(client, spa, scope=SCOPE)
    response = client.post(endpoint(client, "introspection_endpoint"),
                           data={"token": issued["access_token"], "client_id": spa.client_id})
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert "username" not in response.text


def test_a_client_with_a_wrong_secret_cannot_introspect(client, rp, issued):
    response = client.post(endpoint(client, "introspection_endpoint"),
                           data={"token": issued["access_token"]},
                           auth=(rp.client_id, "not-the-secret"))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_a_request_without_a_token_is_invalid(client, rp):
    response = client.post(endpoint(client, "introspection_endpoint"), data={},
                           auth=(rp.client_id, rp.client_secret))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_discovery_offers_only_confidential_methods_for_introspection(client):
    methods = client.get("/.well-known/openid-configuration").json[
        "introspection_endpoint_auth_methods_supported"]
    assert "none" not in methods
    assert "client_secret_basic" in methods
