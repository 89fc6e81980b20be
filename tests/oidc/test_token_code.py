"""The token endpoint's authorization_code grant: codes are single use, short-lived and bound to
their client, redirect URI and PKCE challenge; errors follow RFC 6749 section 5.2."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from idp.extensions import db
from idp.models import AuthorizationCode
from idp.models.base import utcnow
from idp.security import digest

from ..helpers import REDIRECT_URI, pkce_pair
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


def code_request(rp, code, verifier=None, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    data.update(extra)
    return data


def test_a_code_is_exchanged_for_tokens_that_work_at_userinfo(client, actors, rp):
    """The happy path, as a baseline for every refusal below."""
    code, verifier = code_for(actors, client, rp)
    body = assert_tokens(actors.redeem(client, rp, code, verifier))
    assert body["scope"].split() == ["openid", "profile", "email"]
    assert "id_token" in body and "refresh_token" in body
    assert userinfo(client, body["access_token"]).status_code == 200


def test_a_code_works_only_once(client, actors, rp):
    code, verifier = code_for(actors, client, rp)
    assert_tokens(actors.redeem(client, rp, code, verifier))
    assert_error(actors.redeem(client, rp, code, verifier), "invalid_grant")


def test_redeeming_a_code_twice_revokes_the_tokens_the_first_redemption_issued(
    client, actors, rp
):
    code, verifier = code_for(actors, client, rp)
    first = assert_tokens(actors.redeem(client, rp, code, verifier))
    api = resource_server(actors)
    assert userinfo(client, first["access_token"]).status_code == 200
    assert introspect(client, api, first["access_token"])["active"] is True

    assert_error(actors.redeem(client, rp, code, verifier), "invalid_grant")

    assert userinfo(client, first["access_token"]).status_code == 401
    assert introspect(client, api, first["access_token"]) == {"active": False}
    assert introspect(client, api, first["refresh_token"]) == {"active": False}
    refreshed = post_token(
        client,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(rp.client_id, rp.client_secret),
    )
    assert_error(refreshed, "invalid_grant")


def test_an_expired_code_is_refused(app, client, actors, rp):
    code, verifier = code_for(actors, client, rp)
    with app.app_context():
        row = db.session.scalar(
            db.select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code))
        )
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    assert_error(actors.redeem(client, rp, code, verifier), "invalid_grant")
    assert count_tokens(app) == 0


def test_codes_live_as_long_as_the_configured_lifetime(app, client, actors, rp, monkeypatch):
    """AUTHORIZATION_CODE_TTL_SECONDS = 0 makes every code born expired."""
    monkeypatch.setitem(app.config, "AUTHORIZATION_CODE_TTL_SECONDS", 0)
    code, verifier = code_for(actors, client, rp)
    assert_error(actors.redeem(client, rp, code, verifier), "invalid_grant")


def test_a_code_cannot_be_redeemed_by_another_client(client, actors, rp):
    other = actors.rp(name="Other")
    code, verifier = code_for(actors, client, rp)
    stolen = post_token(client, code_request(rp, code, verifier),
                        auth=(other.client_id, other.client_secret))
    assert_error(stolen, "invalid_grant")
    # The attempt did not burn the code for its rightful owner.
    assert_tokens(actors.redeem(client, rp, code, verifier))


def test_a_code_is_bound_to_the_redirect_uri_of_the_authorization_request(client, actors):
    actors.user()
    rp = actors.rp(redirect_uris=[REDIRECT_URI, "https://rp.example.org/other"])
    code, verifier = code_for(actors, client, rp)
    response = actors.redeem(client, rp, code, verifier, redirect_uri="https://rp.example.org/other")
    assert_error(response, "invalid_grant")


def test_a_code_redemption_without_redirect_uri_is_refused(client, actors, rp):
    code, verifier = code_for(actors, client, rp)
    data = code_request(rp, code, verifier)
    del data["redirect_uri"]
    assert_error(post_token(client, data, auth=(rp.client_id, rp.client_secret)),
                 "invalid_grant")


def test_a_wrong_pkce_verifier_is_refused(client, actors, rp):
    code, _ = code_for(actors, client, rp)
    wrong, _ = pkce_pair()
    assert_error(actors.redeem(client, rp, code, wrong), "invalid_grant")


def test_a_verifier_without_a_challenge_in_the_authorization_request_is_refused(
    client, actors, rp
):
    """RFC 9700 section 4.8.2: it would let an attacker downgrade PKCE away."""
    code, _ = code_for(actors, client, rp, pkce=False)
    verifier, _ = pkce_pair()
    assert_error(actors.redeem(client, rp, code, verifier), "invalid_request")


def test_a_missing_verifier_is_refused_when_a_challenge_was_sent(client, actors, rp):
    code, _ = code_for(actors, client, rp)
    assert_error(actors.redeem(client, rp, code), "invalid_request")


def test_a_confidential_client_may_skip_pkce_altogether(client, actors, rp):
    code, _ = code_for(actors, client, rp, pkce=False)
    assert_tokens(actors.redeem(client, rp, code))


def test_a_public_client_must_prove_pkce_at_the_token_endpoint(client, actors):
    actors.user()
    spa = actors.rp(auth_method="none")
    code, _ = code_for(actors, client, spa)
    response = post_token(client, {**code_request(spa, code), "client_id": spa.client_id})
    assert_error(response, "invalid_request")


def test_an_unknown_code_is_refused(client, rp):
    response = post_token(client, code_request(rp, "not-a-code"),
                          auth=(rp.client_id, rp.client_secret))
    assert_error(response, "invalid_grant")


def test_a_request_without_code_is_invalid(client, rp):
    data = code_request(rp, "x")
    del data["code"]
    assert_error(post_token(client, data, auth=(rp.client_id, rp.client_secret)),
                 "invalid_request")


def test_a_request_without_grant_type_is_refused(client, rp):
    response = post_token(client, {"code": "x"}, auth=(rp.client_id, rp.client_secret))
    assert_error(response, "unsupported_grant_type")


def test_an_unknown_grant_type_is_refused(client, rp):
    response = post_token(client, {"grant_type": "password", "username": "a", "password": "b"},
                          auth=(rp.client_id, rp.client_secret))
    assert_error(response, "unsupported_grant_type")


def test_a_huge_code_is_refused_cleanly(client, rp):
    response = post_token(client, code_request(rp, "A" * 100_000),
                          auth=(rp.client_id, rp.client_secret))
    assert_error(response, "invalid_grant")


def test_a_body_over_the_size_limit_is_refused_without_a_crash(client, rp):
    response = post_token(client, code_request(rp, "A" * 300_000),
                          auth=(rp.client_id, rp.client_secret))
    assert response.status_code == 413


def test_a_json_body_is_not_read_as_a_token_request(client, actors, rp):
    """RFC 6749 requires application/x-www-form-urlencoded; JSON gets a clean 4xx."""
    code, verifier = code_for(actors, client, rp)
    response = client.post("/token", json=code_request(rp, code, verifier),
                           auth=(rp.client_id, rp.client_secret))
    assert 400 <= response.status_code < 500
    assert response.json["error"] in ("invalid_request", "unsupported_grant_type")
    assert response.headers["Cache-Control"] == "no-store"
    # The code was not spent by the unreadable request.
    assert_tokens(actors.redeem(client, rp, code, verifier))


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b"<xml/>", "text/xml"),
        (b"grant_type=authorization_code&code=%ZZ&redirect_uri=%",
         "application/x-www-form-urlencoded"),
        (b"", "application/x-www-form-urlencoded"),
        (b"--boundary\r\n", "multipart/form-data; boundary=boundary"),
    ],
    ids=["binary", "xml", "bad-escapes", "empty", "broken-multipart"],
)
def test_malformed_bodies_get_a_client_error_never_a_server_error(client, rp, body,
                                                                  content_type):
    response = client.post("/token", data=body, content_type=content_type,
                           auth=(rp.client_id, rp.client_secret))
    assert 400 <= response.status_code < 500
    assert response.json["error"]


def test_repeated_parameters_are_refused(client, actors, rp):
    code, verifier = code_for(actors, client, rp)
    data = MultiDict([("grant_type", "authorization_code"), ("code", code), ("code", code),
                      ("redirect_uri", rp.redirect_uri), ("code_verifier", verifier)])
    response = client.post("/token", data=data, auth=(rp.client_id, rp.client_secret))
    assert_error(response, "invalid_request")


def test_the_token_endpoint_only_accepts_post(client, rp):
    response = client.get("/token", query_string={"grant_type": "client_credentials"},
                          auth=(rp.client_id, rp.client_secret))
    assert response.status_code == 405
