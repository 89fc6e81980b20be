"""A refresh retried within REFRESH_TOKEN_REUSE_GRACE_SECONDS (an answer lost to a timeout, two
tabs) gets the very tokens the first refresh issued, and nothing doubles; after the grace, or
once those tokens moved on, the old refresh token is a reuse and revokes its family. The answer
is kept sealed under the old refresh token, and forgotten after the grace."""

from __future__ import annotations

import pytest

from idp.admin import accounts
from idp.admin.actors import operator
from idp.extensions import db
from idp.models import RefreshRetry, Token
from idp.oidc import refresh_retries
from idp.security import InvalidToken, digest, unseal

from ..helpers import audit_events
from .token_helpers import (
    after_the_grace,
    assert_error,
    assert_tokens,
    endpoint,
    refresh,
    userinfo,
)


@pytest.fixture
def first(client, actors, rp) -> dict:
    """The token response of a fresh sign-in of a confidential client."""
    return actors.tokens(client, rp)


def family_size(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(Token.id)))
        db.session.commit()
        db.session.remove()
        return count


def test_a_retry_within_the_grace_gets_the_same_new_tokens(app, client, rp, first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))

    again = assert_tokens(refresh(client, rp, first["refresh_token"]))

    assert (again["access_token"], again["refresh_token"], again["scope"]) == (
        second["access_token"], second["refresh_token"], second["scope"])
    assert 0 < again["expires_in"] <= second["expires_in"]
    assert family_size(app) == 2  # the first tokens and their one successor: nothing doubled
    assert userinfo(client, again["access_token"]).status_code == 200
    assert userinfo(client, first["access_token"]).status_code == 401
    assert_tokens(refresh(client, rp, again["refresh_token"]))  # the family goes on
    assert len(audit_events(app, "token.refresh_retried")) == 1
    assert audit_events(app, "token.refresh_reused") == []


def test_after_the_grace_the_old_refresh_token_revokes_the_family(app, client, rp, first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    after_the_grace(app)

    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")

    assert userinfo(client, second["access_token"]).status_code == 401
    assert_error(refresh(client, rp, second["refresh_token"]), "invalid_grant")
    assert len(audit_events(app, "token.refresh_reused")) == 1


def test_within_the_grace_a_retry_after_the_new_token_was_used_revokes_the_family(
        client, rp, first):
    """The client moved on: the old token coming back now is someone else's."""
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    third = assert_tokens(refresh(client, rp, second["refresh_token"]))

    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")

    assert userinfo(client, third["access_token"]).status_code == 401


def test_within_the_grace_a_retry_after_the_new_tokens_were_revoked_is_refused(client, rp,
                                                                              first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    revoked = client.post(endpoint(client, "revocation_endpoint"),
                          data={"token": second["refresh_token"]},
                          auth=(rp.client_id, rp.client_secret))
    assert revoked.status_code == 200

    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")


def test_a_retry_for_a_disabled_person_is_refused(app, client, rp, first):
    assert_tokens(refresh(client, rp, first["refresh_token"]))
    with app.app_context():
        accounts.set_enabled(operator(), "alice.martin@chu-test.mssante.fr", False)
        db.session.commit()
        db.session.remove()

    response = refresh(client, rp, first["refresh_token"])

    assert response.status_code == 400 and "access_token" not in response.json


def test_without_a_grace_the_first_retry_revokes_the_family(app, client, rp, first,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "REFRESH_TOKEN_REUSE_GRACE_SECONDS", 0)
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))

    assert_error(refresh(client, rp, first["refresh_token"]), "invalid_grant")

    assert userinfo(client, second["access_token"]).status_code == 401
    with app.app_context():
        assert db.session.scalar(db.select(RefreshRetry)) is None  # nothing kept at all


def test_the_kept_answer_is_readable_with_the_old_refresh_token_only(app, client, rp, first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    with app.app_context():
        [kept] = db.session.scalars(db.select(RefreshRetry)).all()
        assert second["access_token"] not in kept.sealed_answer
        assert second["refresh_token"] not in kept.sealed_answer
        with pytest.raises(InvalidToken):
            unseal(kept.sealed_answer, second["refresh_token"], refresh_retries.LABEL)
        assert second["refresh_token"] in unseal(kept.sealed_answer, first["refresh_token"],
                                                 refresh_retries.LABEL)
        db.session.commit()
        db.session.remove()


def test_kept_answers_are_deleted_once_their_grace_has_passed(app, client, rp, first):
    second = assert_tokens(refresh(client, rp, first["refresh_token"]))
    after_the_grace(app)

    assert_tokens(refresh(client, rp, second["refresh_token"]))  # any rotation cleans up

    with app.app_context():
        kept = db.session.scalars(db.select(RefreshRetry.token_id)).all()
        rotated = db.session.scalar(db.select(Token.id).where(
            Token.refresh_token_hash == digest(second["refresh_token"])))
        db.session.commit()
        db.session.remove()
    assert kept == [rotated]  # the answer of the rotation just made, and no other
