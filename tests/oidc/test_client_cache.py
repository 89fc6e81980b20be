"""Clients are read from memory (CLIENT_CACHE_SECONDS), yet a change counts at once in the
process that made it, whoever made it (administration, API, CLI, a plain UPDATE), and within
the cache's lifetime in another process."""

from __future__ import annotations

import json
import time

import pytest
import requests

from idp.admin import clients as admin_clients
from idp.admin.actors import Actor
from idp.extensions import db
from idp.models import Client, Role

from ..helpers import Actors, as_an_edge, counted_statements
from ..provider_process import RealProvider
from .token_helpers import assert_error, assert_tokens, post_token

SERVICE = {"grant_type": "client_credentials", "redirect_uris": [],
           "post_logout_redirect_uris": []}
ADMIN = Actor(role=Role.ADMIN.value, organisation_id=None, name="admin@test")


@pytest.fixture
def service(actors):
    return actors.rp(name="Annuaire", scope="profile", **SERVICE)


def credentials_grant(browser, client_id, secret):
    return post_token(browser, {"grant_type": "client_credentials"}, auth=(client_id, secret))


def test_a_known_client_is_not_read_from_the_database_again(app, client, service):
    assert_tokens(credentials_grant(client, service.client_id, service.client_secret))
    with counted_statements(app) as statements:
        assert_tokens(credentials_grant(client, service.client_id, service.client_secret))
    assert not [s for s in statements if "FROM clients" in s], statements


def test_a_disabled_client_is_refused_at_once(app, client, service):
    assert_tokens(credentials_grant(client, service.client_id, service.client_secret))
    as_an_edge(app, admin_clients.disable_client, ADMIN, service.client_id)
    response = credentials_grant(client, service.client_id, service.client_secret)
    assert_error(response, "invalid_client", 401)


def test_a_rotated_secret_takes_effect_at_once(app, client, service):
    assert_tokens(credentials_grant(client, service.client_id, service.client_secret))
    new_secret = as_an_edge(app, admin_clients.rotate_secret, ADMIN, service.client_id)
    assert_tokens(credentials_grant(client, service.client_id, new_secret))
    with app.app_context():  # the grace of the previous secret ends now
        db.session.execute(db.update(Client).where(Client.client_id == service.client_id)
                           .values(previous_secret_expires_at=None))
        db.session.commit()
    response = credentials_grant(client, service.client_id, service.client_secret)
    assert_error(response, "invalid_client", 401)
    assert_tokens(credentials_grant(client, service.client_id, new_secret))


def test_without_the_cache_each_request_reads_the_client(make_app):
    own = make_app(CLIENT_CACHE_SECONDS=0)
    service = Actors(own).rp(name="Annuaire", scope="profile", **SERVICE)
    browser = own.test_client()
    assert_tokens(credentials_grant(browser, service.client_id, service.client_secret))
    with counted_statements(own) as statements:
        assert_tokens(credentials_grant(browser, service.client_id, service.client_secret))
    assert [s for s in statements if "FROM clients" in s]


def test_another_process_refuses_a_disabled_client_within_the_cache_lifetime(tmp_path):
    lifetime = 2
    real = RealProvider(tmp_path, CLIENT_CACHE_SECONDS=str(lifetime))
    real.run("db", "upgrade")
    credentials = json.loads(real.run("clients", "create", "--name", "Service", "--grant-type",
                                      "client_credentials", "--scope", "profile", "--json"))
    auth = (credentials["client_id"], credentials["client_secret"])

    def token_status() -> int:
        return requests.post(real.issuer + "/token", auth=auth, timeout=10,
                             data={"grant_type": "client_credentials"}).status_code

    with real.serving():
        for _ in range(4):  # every worker process has the client in memory
            assert token_status() == 200
        real.run("clients", "disable", credentials["client_id"])
        # Each worker loaded the client before the change, at its own moment: every entry is
        # gone ``lifetime`` seconds after the change at most, whichever worker answers.
        time.sleep(lifetime + 0.2)
        for _ in range(8):
            assert token_status() == 401
