"""Tokens go by family and codes with their tokens, so that single use and reuse detection hold
as long as a family lives (real sign-ins, refreshes and replays at the token endpoint)."""

from __future__ import annotations

import pytest

from idp.models import AuthorizationCode, RefreshRetry, Token

from ..oidc.token_helpers import (
    after_the_grace,
    assert_error,
    assert_tokens,
    code_for,
    refresh,
    userinfo,
)
from . import records as r


@pytest.fixture
def rp(actors):
    """Alice, and a confidential client that gets refresh tokens."""
    actors.user()
    return actors.rp()


@pytest.fixture
def rotated(client, actors, rp) -> tuple[dict, dict]:
    """A family of two: the first answer (its refresh token rotated) and the live second."""
    first = actors.tokens(client, rp)
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    after_the_grace(app=client.application)
    return first, second


def test_a_live_family_stays_whole_and_a_replay_of_its_rotated_token_still_revokes_it(
        app, client, rp, rotated):
    first, second = rotated

    removed = r.cleanup(app, now=r.ahead(hours=1))  # first access token and the code long over

    assert (removed["tokens"], removed["authorization_codes"]) == (0, 0)
    assert removed["refresh_retries"] == 1  # its grace had passed
    assert r.count(app, Token) == 2
    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")
    assert userinfo(client, second["access_token"]).status_code == 401  # the family revoked
    assert_error(refresh(client, rp, second["refresh_token"]), "invalid_grant")


def test_a_family_whose_refresh_token_expired_goes_whole_with_its_code(app, client, rp,
                                                                       rotated):
    _first, second = rotated
    ttl = app.config["REFRESH_TOKEN_TTL_SECONDS"]

    removed = r.cleanup(app, now=r.ahead(seconds=ttl + 3600))

    assert (removed["tokens"], removed["authorization_codes"]) == (2, 1)
    assert r.count(app, Token) == r.count(app, AuthorizationCode) == 0
    assert r.count(app, RefreshRetry) == 0
    assert_error(refresh(client, rp, second["refresh_token"]), "invalid_grant")


def test_a_revoked_family_goes_without_waiting_for_its_refresh_token_to_expire(
        app, client, rp, rotated):
    first, _second = rotated
    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")  # revokes it

    removed = r.cleanup(app, now=r.ahead(minutes=10))

    assert (removed["tokens"], removed["authorization_codes"]) == (2, 1)


def test_an_access_token_without_refresh_token_keeps_its_family_until_it_expires(
        app, client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    body = actors.tokens(client, spa, scope="openid profile")
    assert "refresh_token" not in body

    assert r.cleanup(app, now=r.ahead(minutes=9))["tokens"] == 0
    assert userinfo(client, body["access_token"]).status_code == 200
    assert r.cleanup(app, now=r.ahead(minutes=16))["tokens"] == 1
    assert userinfo(client, body["access_token"]).status_code == 401


def test_an_expired_code_stays_while_its_tokens_do_and_a_replay_still_revokes_them(
        app, client, actors, rp):
    code, verifier = code_for(actors, client, rp)
    tokens = assert_tokens(actors.redeem(client, rp, code, verifier))

    assert r.cleanup(app, now=r.ahead(minutes=10))["authorization_codes"] == 0

    assert_error(actors.redeem(client, rp, code, verifier), "invalid_grant")
    assert userinfo(client, tokens["access_token"]).status_code == 401


def test_a_sign_in_between_its_code_and_the_redemption_is_not_broken(app, client, actors, rp):
    code, verifier = code_for(actors, client, rp)

    r.cleanup(app)

    tokens = assert_tokens(actors.redeem(client, rp, code, verifier))
    assert userinfo(client, tokens["access_token"]).status_code == 200
