"""The refresh_token grant: who gets refresh tokens, rotation on every use, family revocation when
a rotated token comes back after its grace, scope narrowing, and the binding of a refresh token
to its client. (A retry within the grace: test_refresh_retry.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.extensions import db
from idp.models import Token
from idp.models.base import utcnow
from idp.security import digest

from .token_helpers import (
    after_the_grace,
    assert_error,
    assert_tokens,
    endpoint,
    introspect,
    refresh,
    resource_server,
    userinfo,
)


@pytest.fixture
def first(client, actors, rp) -> dict:
    """The token response of a fresh sign-in of a confidential client."""
    return actors.tokens(client, rp)


def test_a_confidential_client_of_the_code_flow_gets_a_refresh_token(first):
    assert first["refresh_token"]
    assert first["refresh_token"] != first["access_token"]


def test_a_public_client_gets_no_refresh_token_without_offline_access(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    body = actors.tokens(client, spa, scope="openid profile")
    assert "refresh_token" not in body
    assert "access_token" in body and "id_token" in body


def test_a_public_client_gets_a_refresh_token_with_offline_access(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    body = actors.tokens(client, spa, scope="openid profile offline_access")
    assert body["refresh_token"]
    assert_tokens(refresh(client, spa, body["refresh_token"]))


def test_a_public_client_that_drops_offline_access_gets_no_new_refresh_token(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    body = actors.tokens(client, spa, scope="openid profile offline_access")
    narrowed = assert_tokens(refresh(client, spa, body["refresh_token"], scope="openid profile"))
    assert narrowed["scope"] == "openid profile"
    assert "refresh_token" not in narrowed


def test_a_refresh_gives_new_tokens_that_work(client, rp, first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    assert userinfo(client, second["access_token"]).status_code == 200


def test_every_refresh_rotates_the_refresh_token(client, rp, first):
    seen = {first["refresh_token"]}
    current = first["refresh_token"]
    for _ in range(3):
        body = assert_tokens(refresh(client, rp, current))
        assert body["refresh_token"] not in seen
        seen.add(body["refresh_token"])
        current = body["refresh_token"]


def test_a_rotated_refresh_token_is_refused_after_its_grace(app, client, rp, first):
    assert_tokens(refresh(client, rp, first["refresh_token"]))
    after_the_grace(app)
    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")


def test_the_access_token_of_a_used_refresh_token_stops_working(client, rp, first):
    assert_tokens(refresh(client, rp, first["refresh_token"]))
    assert userinfo(client, first["access_token"]).status_code == 401


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client, actors, rp, first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    third = assert_tokens(refresh(client, rp, second["refresh_token"]))
    assert userinfo(client, third["access_token"]).status_code == 200

    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")

    assert userinfo(client, third["access_token"]).status_code == 401
    assert_error(refresh(client, rp, third["refresh_token"]), "invalid_grant")
    api = resource_server(actors)
    assert introspect(client, api, third["access_token"]) == {"active": False}
    assert introspect(client, api, third["refresh_token"]) == {"active": False}


def test_family_revocation_spares_other_sign_ins(client, app, actors, rp, first):
    """Another authorization of the same person and client is another family."""
    other = actors.tokens(app.test_client(), rp)
    assert_tokens(refresh(client, rp, first["refresh_token"]))
    after_the_grace(app)
    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")
    assert userinfo(client, other["access_token"]).status_code == 200
    assert_tokens(refresh(client, rp, other["refresh_token"]))


def test_the_scope_can_be_narrowed(client, rp, first):
    body = assert_tokens(refresh(client, rp, first["refresh_token"], scope="openid email"))
    assert body["scope"] == "openid email"
    claims = userinfo(client, body["access_token"]).json
    assert "email" in claims and "name" not in claims


def test_the_scope_cannot_be_widened(client, rp, first):
    response = refresh(client, rp, first["refresh_token"], scope="openid profile email phone")
    assert_error(response, "invalid_scope")


def test_a_refused_widening_does_not_spend_the_refresh_token(client, rp, first):
    """A mistaken request is not theft: the family stays alive and the token still works."""
    assert_error(refresh(client, rp, first["refresh_token"], scope="openid phone"),
                 "invalid_scope")
    assert userinfo(client, first["access_token"]).status_code == 200
    assert_tokens(refresh(client, rp, first["refresh_token"]))


def test_a_narrowed_token_cannot_widen_back_on_the_next_refresh(client, rp, first):
    narrowed = assert_tokens(refresh(client, rp, first["refresh_token"], scope="openid"))
    response = refresh(client, rp, narrowed["refresh_token"], scope="openid profile")
    assert_error(response, "invalid_scope")


def test_a_refresh_token_of_one_client_is_refused_to_another(client, actors, rp, first):
    other = actors.rp(name="Other")
    assert_error(refresh(client, other, first["refresh_token"]), "invalid_grant")


def test_another_clients_attempt_does_not_spend_the_refresh_token(client, actors, rp, first):
    other = actors.rp(name="Other")
    assert_error(refresh(client, other, first["refresh_token"]), "invalid_grant")
    assert_tokens(refresh(client, rp, first["refresh_token"]))


def test_a_refresh_token_of_a_confidential_client_is_refused_without_its_secret(
    client, rp, first
):
    response = client.post(endpoint(client, "token_endpoint"), data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": rp.client_id,
    })
    assert_error(response, "invalid_client", 401)
    assert_tokens(refresh(client, rp, first["refresh_token"]))


def test_an_access_token_is_not_accepted_as_a_refresh_token(client, rp, first):
    assert_error(refresh(client, rp, first["access_token"]), "invalid_grant")


def test_an_unknown_refresh_token_is_refused(client, rp):
    assert_error(refresh(client, rp, "no-such-token"), "invalid_grant")


def test_a_huge_refresh_token_is_refused_cleanly(client, rp):
    assert_error(refresh(client, rp, "r" * 100_000), "invalid_grant")


def test_a_refresh_request_without_a_refresh_token_is_invalid(client, rp):
    response = client.post(endpoint(client, "token_endpoint"),
                           data={"grant_type": "refresh_token"},
                           auth=(rp.client_id, rp.client_secret))
    assert_error(response, "invalid_request")


def test_an_expired_refresh_token_is_refused(app, client, rp, first):
    with app.app_context():
        row = db.session.scalar(db.select(Token).where(
            Token.refresh_token_hash == digest(first["refresh_token"])))
        row.refresh_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")


def test_refresh_tokens_last_as_long_as_configured(app, client, actors, rp, monkeypatch):
    monkeypatch.setitem(app.config, "REFRESH_TOKEN_TTL_SECONDS", 0)
    body = actors.tokens(client, rp)
    assert_error(refresh(client, rp, body["refresh_token"]), "invalid_grant")


def test_a_revoked_refresh_token_is_refused(client, rp, first):
    response = client.post(endpoint(client, "revocation_endpoint"),
                           data={"token": first["refresh_token"]},
                           auth=(rp.client_id, rp.client_secret))
    assert response.status_code == 200
    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")


def test_a_client_credentials_client_cannot_use_the_refresh_grant(client, actors):
    service = actors.rp(grant_type="client_credentials", redirect_uris=[],
                        post_logout_redirect_uris=[])
    assert_error(refresh(client, service, "whatever"), "unauthorized_client")
