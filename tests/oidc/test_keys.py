"""Signing keys and the JWKS: public halves only, encrypted at rest, rotation that clients can
follow, and a key ring that serves from memory."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from idp.extensions import db
from idp.models import KeyState, SigningKey
from idp.models.base import utcnow
from idp.oidc.keys import key_ring

from ..helpers import counted_statements

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def published_kids(client) -> set[str]:
    response = client.get("/jwks.json")
    assert response.status_code == 200
    return {key["kid"] for key in response.json["keys"]}


def kid_of(app, alg: str, state: KeyState) -> str:
    with app.app_context():
        kids = db.session.scalars(
            db.select(SigningKey.kid).where(SigningKey.alg == alg, SigningKey.state == state.value)
        ).all()
        db.session.commit()
        db.session.remove()
    assert len(kids) == 1, kids
    return kids[0]


def header_of(id_token: str) -> dict:
    return extract_compact(id_token.encode()).headers()


def verify(id_token: str, jwks: dict) -> dict:
    return jwt.decode(id_token, KeySet.import_key_set(jwks)).claims


def test_jwks_publishes_an_rs256_and_an_es256_signing_key(client):
    response = client.get("/jwks.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    keys = response.json["keys"]
    assert {key["alg"] for key in keys} == {"RS256", "ES256"}
    for key in keys:
        assert key["use"] == "sig"
        assert key["kid"]
        assert key["kty"] == ("RSA" if key["alg"] == "RS256" else "EC")
    assert len({key["kid"] for key in keys}) == len(keys)


def test_jwks_carries_no_private_key_member(client):
    keys = client.get("/jwks.json").json["keys"]

    assert keys
    for key in keys:
        assert PRIVATE_MEMBERS.isdisjoint(key), sorted(key)


def test_jwks_lists_the_active_and_the_next_key_of_each_algorithm(app, client):
    kids = published_kids(client)

    for alg in ("RS256", "ES256"):
        assert kid_of(app, alg, KeyState.ACTIVE) in kids
        assert kid_of(app, alg, KeyState.NEXT) in kids
    assert len(kids) == 4


def test_the_database_stores_private_keys_only_encrypted(app, client):
    client.get("/jwks.json")

    with app.app_context():
        rows = db.session.scalars(db.select(SigningKey)).all()
        assert len(rows) == 4
        for row in rows:
            pem = row.encrypted_private_key
            assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            assert "BEGIN PRIVATE KEY" not in pem and "BEGIN RSA PRIVATE KEY" not in pem
            with pytest.raises(TypeError, match="encrypted"):
                load_pem_private_key(pem.encode(), password=None)
            with pytest.raises(ValueError):
                load_pem_private_key(pem.encode(), password=app.config["SECRET_KEY"].encode())
            assert PRIVATE_MEMBERS.isdisjoint(row.public_jwk)
        db.session.commit()
        db.session.remove()


def test_cli_rotation_signs_with_the_key_published_before_it(app, client, runner, actors):
    actors.user()
    rp = actors.rp()
    before = client.get("/jwks.json").json
    old_token = actors.tokens(client, rp)["id_token"]
    old_kid = kid_of(app, "RS256", KeyState.ACTIVE)
    next_kid = kid_of(app, "RS256", KeyState.NEXT)
    assert header_of(old_token)["kid"] == old_kid

    result = runner.invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert next_kid in result.output
    new_token = actors.tokens(client, rp)["id_token"]
    assert header_of(new_token)["kid"] == next_kid
    assert next_kid in {key["kid"] for key in before["keys"]}
    assert kid_of(app, "RS256", KeyState.ACTIVE) == next_kid


def test_rotation_publishes_a_new_next_key_and_keeps_the_retired_one(app, client, runner):
    kids_before = published_kids(client)
    retired = {alg: kid_of(app, alg, KeyState.ACTIVE) for alg in ("RS256", "ES256")}

    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0

    kids_after = published_kids(client)
    for alg in ("RS256", "ES256"):
        new_next = kid_of(app, alg, KeyState.NEXT)
        assert new_next not in kids_before
        assert new_next in kids_after
        assert retired[alg] in kids_after
        assert kid_of(app, alg, KeyState.RETIRED) == retired[alg]


def test_id_tokens_signed_before_a_rotation_still_verify_against_the_jwks(client, runner, actors):
    actors.user()
    rp = actors.rp()
    es_rp = actors.rp(name="Agenda", id_token_alg="ES256")
    rs_token = actors.tokens(client, rp)["id_token"]
    es_token = actors.tokens(client, es_rp)["id_token"]

    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0

    jwks = client.get("/jwks.json").json
    assert verify(rs_token, jwks)["aud"] == rp.client_id
    assert verify(es_token, jwks)["aud"] == es_rp.client_id
    assert header_of(es_token)["alg"] == "ES256"


def test_a_retired_key_leaves_the_jwks_once_its_publication_ends(app, client, runner):
    client.get("/jwks.json")
    retired = kid_of(app, "RS256", KeyState.ACTIVE)
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    assert retired in published_kids(client)

    with app.app_context():
        row = db.session.scalar(db.select(SigningKey).where(SigningKey.kid == retired))
        assert row.publish_until > utcnow()
        row.publish_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    key_ring(app).invalidate()

    kids = published_kids(client)
    assert retired not in kids
    assert kid_of(app, "RS256", KeyState.ACTIVE) in kids
    assert kid_of(app, "RS256", KeyState.NEXT) in kids


def test_a_retired_key_stays_published_as_long_as_what_it_signed_may_live(app, client, runner):
    client.get("/jwks.json")
    retired = kid_of(app, "ES256", KeyState.ACTIVE)

    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0

    config = app.config
    with app.app_context():
        row = db.session.scalar(db.select(SigningKey).where(SigningKey.kid == retired))
        published_for = row.publish_until - row.retired_at
        db.session.commit()
        db.session.remove()
    assert published_for >= timedelta(
        seconds=config["ID_TOKEN_TTL_SECONDS"] + config["KEYS_CACHE_SECONDS"]
    )


def test_rotating_a_fresh_database_creates_keys_that_sign(app, client, runner):
    result = runner.invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    kids = published_kids(client)
    for alg in ("RS256", "ES256"):
        assert kid_of(app, alg, KeyState.ACTIVE) in kids
        assert kid_of(app, alg, KeyState.NEXT) in kids


def test_the_jwks_is_served_from_memory_after_the_first_request(app, client):
    client.get("/jwks.json")

    with counted_statements(app) as statements:
        first = client.get("/jwks.json")
        second = client.get("/jwks.json")

    assert first.status_code == second.status_code == 200
    assert first.json == second.json
    assert statements == []


def test_the_first_jwks_request_reads_the_keys_from_the_database(app, client):
    with counted_statements(app) as statements:
        client.get("/jwks.json")

    assert any("signing_keys" in statement for statement in statements)


def test_the_jwks_may_be_cached_by_clients_and_read_from_any_origin(app, client):
    response = client.get("/jwks.json")

    max_age = app.config["KEYS_CACHE_SECONDS"]
    assert response.headers["Cache-Control"] == f"public, max-age={max_age}"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
