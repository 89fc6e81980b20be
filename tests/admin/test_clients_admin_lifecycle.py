"""The life of a registered client through the `idp clients` commands and the service
functions: secret rotation with its grace period, disabling (its tokens stop working) and
enabling; only administrators may do any of it, and they are named in the audit trail."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from idp.admin import clients as admin_clients
from idp.errors import Forbidden
from idp.extensions import db
from idp.models import Client
from idp.models.base import utcnow

from ..helpers import REDIRECT_URI, audit_events
from ..oidc.token_helpers import (
    assert_error,
    assert_tokens,
    introspect,
    post_token,
    resource_server,
    userinfo,
)
from .client_commands import SERVICE, clients, create, refused, state


def credentials_grant(browser, client_id: str, secret: str):
    return post_token(browser, {"grant_type": "client_credentials"}, auth=(client_id, secret))


# --- Secret rotation ----------------------------------------------------------------------------

def test_a_rotated_secret_works_at_once_and_the_old_one_until_the_grace_period_ends(
    app, client, runner
):
    service = create(runner, *SERVICE)

    result = clients(runner, "rotate-secret", service.client_id, "--json")

    assert result.exit_code == 0, result.output
    rotated = json.loads(result.stdout)
    assert rotated["client_id"] == service.client_id
    new_secret = rotated["client_secret"]
    assert new_secret != service.client_secret
    assert_tokens(credentials_grant(client, service.client_id, new_secret))
    assert_tokens(credentials_grant(client, service.client_id, service.client_secret))
    with app.app_context():
        stored = db.session.scalar(db.select(Client).where(Client.client_id == service.client_id))
        grace = stored.previous_secret_expires_at - utcnow()
        assert timedelta(seconds=86400 - 60) < grace <= timedelta(seconds=86400)
        stored.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    assert_error(credentials_grant(client, service.client_id, service.client_secret),
                 "invalid_client", 401)
    assert_tokens(credentials_grant(client, service.client_id, new_secret))
    [event] = audit_events(app, "client.secret_rotated")
    assert event.detail == {"grace_seconds": 86400, "by": "cli"}


def test_rotating_twice_ends_the_first_secret_at_once(client, runner):
    service = create(runner, *SERVICE)

    assert clients(runner, "rotate-secret", service.client_id).exit_code == 0
    result = clients(runner, "rotate-secret", service.client_id)

    assert "affiché une seule fois" in result.stdout
    assert "L'ancien secret reste valable jusqu'au" in result.stdout
    assert_error(credentials_grant(client, service.client_id, service.client_secret),
                 "invalid_client", 401)


def test_a_leaked_secret_stops_at_once_and_the_tokens_it_could_get_are_revoked(
    app, client, actors, runner
):
    actors.user()
    webmail = actors.rp()
    api = resource_server(actors)
    issued = actors.tokens(client, webmail, scope="openid profile offline_access")

    result = clients(runner, "rotate-secret", webmail.client_id, "--leaked")

    assert result.exit_code == 0, result.output
    assert "L'ancien secret est refusé dès maintenant" in result.stdout
    new_secret = re.search(r"client_secret:\s+(\S+)", result.stdout).group(1)
    assert_error(credentials_grant(client, webmail.client_id, webmail.client_secret),
                 "invalid_client", 401)
    assert introspect(client, api, issued["access_token"]) == {"active": False}
    refresh = post_token(client, {"grant_type": "refresh_token",
                                  "refresh_token": issued["refresh_token"]},
                         auth=(webmail.client_id, new_secret))
    assert_error(refresh, "invalid_grant", 400)
    with app.app_context():
        stored = db.session.scalar(db.select(Client).where(Client.client_id == webmail.client_id))
        assert stored.previous_secret_hash is None
    [event] = audit_events(app, "client.secret_rotated")
    assert event.detail == {"grace_seconds": 0, "leaked": True, "revoked_tokens": 1, "by": "cli"}


def test_a_client_without_a_secret_cannot_rotate_one(app, runner):
    spa = create(runner, "--redirect-uri", REDIRECT_URI, "--auth-method", "none")
    before = state(app, spa.client_id)

    refused(clients(runner, "rotate-secret", spa.client_id), "n'a pas de secret")

    assert state(app, spa.client_id) == before


# --- Disabling ----------------------------------------------------------------------------------

def test_a_disabled_client_is_refused_and_its_tokens_stop_working(app, client, actors, runner):
    actors.user()
    webmail = actors.rp()
    api = resource_server(actors)
    issued = actors.tokens(client, webmail, scope="openid profile offline_access")
    assert userinfo(client, issued["access_token"]).status_code == 200

    result = clients(runner, "disable", webmail.client_id)

    assert result.exit_code == 0, result.output
    assert userinfo(client, issued["access_token"]).status_code == 401
    assert introspect(client, api, issued["access_token"]) == {"active": False}
    assert introspect(client, api, issued["refresh_token"]) == {"active": False}
    refresh = post_token(client, {"grant_type": "refresh_token",
                                  "refresh_token": issued["refresh_token"]},
                         auth=(webmail.client_id, webmail.client_secret))
    assert_error(refresh, "invalid_client", 401)
    [event] = audit_events(app, "client.disabled")
    assert event.detail == {"revoked_tokens": 1, "by": "cli"}


def test_a_disabled_service_client_gets_invalid_client_until_enabled(app, client, actors,
                                                                    runner):
    service = create(runner, *SERVICE)
    api = resource_server(actors)
    token = assert_tokens(credentials_grant(client, service.client_id, service.client_secret))

    assert clients(runner, "disable", service.client_id).exit_code == 0
    assert_error(credentials_grant(client, service.client_id, service.client_secret),
                 "invalid_client", 401)

    assert clients(runner, "enable", service.client_id).exit_code == 0
    assert_tokens(credentials_grant(client, service.client_id, service.client_secret))
    assert introspect(client, api, token["access_token"]) == {"active": False}  # stays revoked
    assert len(audit_events(app, "client.enabled")) == 1


def test_disabling_twice_is_recorded_once(app, runner):
    service = create(runner, *SERVICE)

    assert clients(runner, "disable", service.client_id).exit_code == 0
    assert clients(runner, "disable", service.client_id).exit_code == 0

    assert len(audit_events(app, "client.disabled")) == 1


# --- Who may do it ------------------------------------------------------------------------------

ACTIONS = [
    ("list_clients", (), {}),
    ("get_client", ("{id}",), {}),
    ("register", ("API",), {"grant_type": "client_credentials", "scope": "profile"}),
    ("update_client", ("{id}",), {"name": "Autre"}),
    ("rotate_secret", ("{id}",), {}),
    ("disable_client", ("{id}",), {}),
    ("enable_client", ("{id}",), {}),
]


@pytest.mark.parametrize("role", ["referent", "support"])
@pytest.mark.parametrize(("action", "args", "kwargs"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_only_administrators_manage_clients(app, actors, world, role, action, args, kwargs):
    webmail = actors.rp()
    before = state(app, webmail.client_id)

    with app.app_context(), pytest.raises(Forbidden, match="Votre rôle ne permet pas"):
        getattr(admin_clients, action)(getattr(world, role),
                                       *(a.format(id=webmail.client_id) for a in args), **kwargs)

    assert state(app, webmail.client_id) == before


def test_an_administrator_is_named_in_the_audit_trail(app, actors, world):
    webmail = actors.rp()

    with app.app_context():
        registered = admin_clients.register(world.admin, "API", grant_type="client_credentials",
                                            scope="profile")
        admin_clients.update_client(world.admin, webmail.client_id, name="Webmail 2")
        admin_clients.rotate_secret(world.admin, registered.client.client_id)
        admin_clients.disable_client(world.admin, webmail.client_id)
        admin_clients.enable_client(world.admin, webmail.client_id)
        db.session.commit()
        db.session.remove()

    for event in ("client.created", "client.updated", "client.secret_rotated", "client.disabled",
                  "client.enabled"):
        assert audit_events(app, event)[-1].detail["by"] == world.admin.name
