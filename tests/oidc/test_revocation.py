"""Token revocation (RFC 7009): a client ends its own tokens, and only its own."""

from __future__ import annotations

import pytest

from idp.extensions import db
from idp.models import Token

SCOPE = "openid profile email offline_access"


def endpoint(browser, name: str) -> str:
    """An endpoint URL, found through discovery as an outside client would."""
    return browser.get("/.well-known/openid-configuration").json[name]


def userinfo_status(browser, access_token: str) -> int:
    url = endpoint(browser, "userinfo_endpoint")
    return browser.get(url, headers={"Authorization": f"Bearer {access_token}"}).status_code


def revoke(browser, rp, token: str, **extra):
    data = {"token": token, **extra}
    if rp.client_secret:
        return browser.post(endpoint(browser, "revocation_endpoint"), data=data,
                            auth=(rp.client_id, rp.client_secret))
    return browser.post(endpoint(browser, "revocation_endpoint"),
                        data={**data, "client_id": rp.client_id})


def refresh(browser, rp, refresh_token: str):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return browser.post(endpoint(browser, "token_endpoint"), data=data,
                        auth=(rp.client_id, rp.client_secret))


@pytest.fixture
def issued(client, actors, rp):
    return actors.tokens(client, rp, scope=SCOPE)


def test_revoking_an_access_token_answers_200_and_the_token_stops_working(client, rp, issued):
    assert userinfo_status(client, issued["access_token"]) == 200
    response = revoke(client, rp, issued["access_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert userinfo_status(client, issued["access_token"]) == 401


def test_revoking_an_access_token_also_ends_the_refresh_token_issued_with_it(
    client, rp, issued
):
    assert revoke(client, rp, issued["access_token"], token_type_hint="access_token") \
        .status_code == 200
    response = refresh(client, rp, issued["refresh_token"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_revoking_a_refresh_token_answers_200_and_it_can_no_longer_be_used(client, rp, issued):
    response = revoke(client, rp, issued["refresh_token"], token_type_hint="refresh_token")
    assert response.status_code == 200
    refreshed = refresh(client, rp, issued["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json["error"] == "invalid_grant"


def test_revoking_a_refresh_token_ends_the_access_token_of_the_same_authorization(
    client, rp, issued
):
    assert revoke(client, rp, issued["refresh_token"]).status_code == 200
    assert userinfo_status(client, issued["access_token"]) == 401


def test_revoking_a_rotated_refresh_token_ends_the_tokens_that_replaced_it(client, rp, issued):
    rotated = refresh(client, rp, issued["refresh_token"])
    assert rotated.status_code == 200
    assert revoke(client, rp, issued["refresh_token"]).status_code == 200
    assert userinfo_status(client, rotated.json["access_token"]) == 401
    assert refresh(client, rp, rotated.json["refresh_token"]).json["error"] == "invalid_grant"


def test_a_wrong_token_type_hint_does_not_prevent_revocation(client, rp, issued):
    response = revoke(client, rp, issued["access_token"], token_type_hint="refresh_token")
    assert response.status_code == 200
    assert userinfo_status(client, issued["access_token"]) == 401


def test_revoking_an_unknown_token_answers_200(client, rp):
    response = revoke(client, rp, "a-token-that-was-never-issued")
    assert response.status_code == 200
    assert response.json == {}


def test_revoking_leaves_the_other_authorizations_of_the_person_alone(
    app, client, actors, rp, issued
):
    other = actors.tokens(app.test_client(), rp, scope=SCOPE)
    assert revoke(client, rp, issued["access_token"]).status_code == 200
    assert userinfo_status(client, other["access_token"]) == 200


def test_a_client_cannot_revoke_another_clients_token(app, client, actors, rp, issued):
    intruder = actors.rp(name="Autre application")
    response = revoke(client, intruder, issued["access_token"])
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(Token).where(Token.revoked_at.is_not(None))) is None
    assert userinfo_status(client, issued["access_token"]) == 200
    assert refresh(client, rp, issued["refresh_token"]).status_code == 200


def test_a_public_client_revokes_its_token_with_its_client_id_alone(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none", name="Application mobile")
    assert spa.client_secret is None
    issued = actors.tokens(client, spa, scope=SCOPE)
    assert userinfo_status(client, issued["access_token"]) == 200
    response = revoke(client, spa, issued["access_token"])
    assert response.status_code == 200
    assert userinfo_status(client, issued["access_token"]) == 401


def test_a_client_with_a_wrong_secret_gets_401_invalid_client(client, rp, issued):
    response = client.post(endpoint(client, "revocation_endpoint"),
                           data={"token": issued["access_token"]},
                           auth=(rp.client_id, "not-the-secret"))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert userinfo_status(client, issued["access_token"]) == 200


def test_a_confidential_client_without_authentication_gets_401_invalid_client(
    client, rp, issued
):
    response = client.post(endpoint(client, "revocation_endpoint"),
                           data={"token": issued["access_token"], "client_id": rp.client_id})
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert userinfo_status(client, issued["access_token"]) == 200


def test_an_unknown_client_gets_401_invalid_client(client, rp, issued):
    response = client.post(endpoint(client, "revocation_endpoint"),
                           data={"token": issued["access_token"]},
                           auth=("no-such-client", "whatever"))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_a_request_without_a_token_is_invalid(client, rp):
    response = client.post(endpoint(client, "revocation_endpoint"), data={},
                           auth=(rp.client_id, rp.client_secret))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_an_unsupported_token_type_hint_is_refused(client, rp, issued):
    response = revoke(client, rp, issued["access_token"], token_type_hint="id_token")
    assert response.json["error"] == "unsupported_token_type"
    assert userinfo_status(client, issued["access_token"]) == 200
