"""Single-use records under concurrency: a client assertion presented several times at the same
moment authenticates exactly once; an authorization code presented several times at once, or a
refresh token without a grace for retries, is a replay: at most one request gets tokens, and
every token issued from it is revoked, those new tokens included. Within the grace, a refresh
token presented several times at once is one refresh: every request gets the same new tokens.

The requests really race (``tests.concurrency``), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter

from idp.extensions import db
from idp.oidc import tokens

from ..concurrency import THREADS, race
from .token_helpers import (
    assert_tokens,
    assertion_form,
    client_assertion,
    client_key,
    code_for,
    count_tokens,
    endpoint,
    metadata,
    post_token,
    public_jwks,
    userinfo,
)


def outcome(responses) -> Counter:
    """How many responses of each kind: 200, or the OAuth error code (500 would show as such)."""
    return Counter(
        200 if r.status_code == 200 else (r.json or {}).get("error", r.status_code)
        for r in responses
    )


def test_a_code_redeemed_by_many_requests_at_once_is_treated_as_a_replay(app, client, actors):
    actors.user()
    rp = actors.rp()
    code, verifier = code_for(actors, client, rp)
    token_path = endpoint(client, "token_endpoint")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri,
            "code_verifier": verifier}

    responses = race(app, lambda browser: browser.post(
        token_path, data=data, auth=(rp.client_id, rp.client_secret)))

    assert_replay_revoked_everything(client, responses)


def assert_replay_revoked_everything(client, responses) -> None:
    """At most one racer got tokens, and none of the family's tokens works any more."""
    results = outcome(responses)
    assert results[200] <= 1 and results["invalid_grant"] == THREADS - results[200], results
    for response in responses:
        if response.status_code == 200:
            assert userinfo(client, response.json["access_token"]).status_code == 401


def test_a_refresh_token_used_by_many_requests_at_once_gets_them_all_the_same_tokens(
        app, client, actors):
    """Two tabs (or a retry) refreshing at the same moment within the grace: one rotation, and
    every request waits for it and gets its answer."""
    actors.user()
    rp = actors.rp()
    first = actors.tokens(client, rp)
    token_path = endpoint(client, "token_endpoint")
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}

    responses = race(app, lambda browser: browser.post(
        token_path, data=data, auth=(rp.client_id, rp.client_secret)))

    assert outcome(responses) == Counter({200: THREADS})
    pairs = {(r.json["access_token"], r.json["refresh_token"]) for r in responses}
    assert len(pairs) == 1
    [(access_token, refresh_token)] = pairs
    assert count_tokens(app) == 2  # the first tokens and one successor
    assert userinfo(client, access_token).status_code == 200
    assert userinfo(client, first["access_token"]).status_code == 401
    assert_tokens(post_token(client, {"grant_type": "refresh_token",
                                      "refresh_token": refresh_token},
                             auth=(rp.client_id, rp.client_secret)))


def test_without_a_grace_a_refresh_token_used_by_many_requests_at_once_is_a_replay(
        app, client, actors, monkeypatch):
    monkeypatch.setitem(app.config, "REFRESH_TOKEN_REUSE_GRACE_SECONDS", 0)
    actors.user()
    rp = actors.rp()
    first = actors.tokens(client, rp)
    token_path = endpoint(client, "token_endpoint")
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}

    responses = race(app, lambda browser: browser.post(
        token_path, data=data, auth=(rp.client_id, rp.client_secret)))

    assert_replay_revoked_everything(client, responses)
    assert userinfo(client, first["access_token"]).status_code == 401


def test_without_a_grace_a_public_clients_refresh_token_raced_is_a_replay(app, client, actors,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "REFRESH_TOKEN_REUSE_GRACE_SECONDS", 0)
    actors.user()
    spa = actors.rp(auth_method="none")
    first = actors.tokens(client, spa, scope="openid offline_access")
    token_path = endpoint(client, "token_endpoint")
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
            "client_id": spa.client_id}

    responses = race(app, lambda browser: browser.post(token_path, data=data))

    assert_replay_revoked_everything(client, responses)


def test_a_client_assertion_replayed_at_the_same_moment_authenticates_once(app, client, actors):
    key = client_key()
    service = actors.rp(auth_method="private_key_jwt", jwks=public_jwks(key),
                        grant_type="client_credentials", redirect_uris=[],
                        post_logout_redirect_uris=[])
    assertion = client_assertion(key, service.client_id, metadata(client)["token_endpoint"])
    token_path = endpoint(client, "token_endpoint")
    data = {"grant_type": "client_credentials", **assertion_form(assertion)}

    responses = race(app, lambda browser: browser.post(token_path, data=data))

    assert outcome(responses) == Counter({200: 1, "invalid_client": THREADS - 1})


def test_different_codes_redeemed_at_the_same_moment_all_succeed(app, client, actors):
    """Single use must not turn into false conflicts: unrelated redemptions do not block."""
    actors.user()
    rp = actors.rp()
    token_path = endpoint(client, "token_endpoint")
    forms = []
    for _ in range(THREADS):
        code, verifier = code_for(actors, client, rp)
        forms.append({"grant_type": "authorization_code", "code": code,
                      "redirect_uri": rp.redirect_uri, "code_verifier": verifier})
    pending = iter(forms)
    lock = threading.Lock()

    def redeem(browser):
        with lock:
            data = next(pending)
        return browser.post(token_path, data=data, auth=(rp.client_id, rp.client_secret))

    responses = race(app, redeem)

    assert outcome(responses) == Counter({200: THREADS})
    tokens = [assert_tokens(r)["access_token"] for r in responses]
    assert len(set(tokens)) == THREADS
    assert all(userinfo(client, token).status_code == 200 for token in tokens)


def test_a_code_replayed_while_its_first_redemption_is_still_issuing_tokens_revokes_them(
        app, client, actors):
    """The replay lands between the first redemption taking the code and saving its tokens: the
    first redemption then refuses what it issued instead of leaving it valid."""
    actors.user()
    rp = actors.rp()
    code, verifier = code_for(actors, client, rp)
    with app.app_context():
        taken = tokens.consume_code(code, rp.client_id)  # the first redemption took the code
        assert taken is not None and tokens.settle_code(taken) is True
    replay = client.post(endpoint(client, "token_endpoint"), auth=(rp.client_id, rp.client_secret),
                         data={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": rp.redirect_uri, "code_verifier": verifier})
    assert replay.json["error"] == "invalid_grant"
    with app.app_context():
        assert tokens.settle_code(taken) is False
        db.session.commit()
        db.session.remove()
