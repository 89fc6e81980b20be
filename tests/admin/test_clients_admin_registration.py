"""Administration of clients through the `idp clients` commands and the service functions:
registration of admin service clients, listing and showing (never a secret), and edits
checked like a registration, which change only what is given and nothing when refused."""

from __future__ import annotations

import json

import pytest

from idp.admin import clients as admin_clients
from idp.admin.actors import operator
from idp.errors import ValidationError
from idp.extensions import db
from idp.models import Client, Organisation

from ..helpers import REDIRECT_URI, audit_events
from .client_commands import SERVICE, clients, create, refused, state
from .conftest import ORG_A


def shown(app, client_id: str) -> dict:
    with app.app_context():
        details = admin_clients.describe(admin_clients.get_client(operator(), client_id))
        db.session.commit()
        db.session.remove()
    return details


@pytest.fixture
def org(app):
    with app.app_context():
        db.session.add(Organisation(code=ORG_A, name="CHU A"))
        db.session.commit()


# --- Registration of admin service clients ------------------------------------------------------

def test_a_referent_service_client_is_stored_with_its_role_and_organisation(app, runner, org):
    service = create(runner, "--grant-type", "client_credentials", "--scope", "admin",
                     "--admin-role", "referent", "--org", ORG_A)

    details = shown(app, service.client_id)
    assert (details["admin_role"], details["admin_organisation"]) == ("referent", ORG_A)
    assert details["scope"] == "admin"
    [event] = audit_events(app, "client.created")
    assert event.detail["by"] == "cli" and event.detail["admin_role"] == "referent"


@pytest.mark.parametrize("role", ["admin", "support"])
def test_admin_and_support_service_clients_act_for_every_organisation(app, runner, role):
    service = create(runner, "--grant-type", "client_credentials", "--scope", "admin",
                     "--admin-role", role)

    details = shown(app, service.client_id)
    assert (details["admin_role"], details["admin_organisation"]) == (role, None)


BAD_REGISTRATIONS = [
    ("a role for a code flow client",
     ("--redirect-uri", REDIRECT_URI, "--scope", "openid", "--admin-role", "admin"),
     "ne se donne qu'à un client « client_credentials » de portée « admin »"),
    ("a role without the admin scope", (*SERVICE, "--admin-role", "support"),
     "ne se donne qu'à un client « client_credentials » de portée « admin »"),
    ("the admin scope without a role",
     ("--grant-type", "client_credentials", "--scope", "admin"), "Portée inconnue : admin."),
    ("an admin role for a code flow client (the person's role applies there)",
     ("--redirect-uri", REDIRECT_URI, "--scope", "openid admin", "--admin-role", "admin"),
     "ne se donne qu'à un client"),
    ("a referent without an organisation",
     ("--grant-type", "client_credentials", "--scope", "admin", "--admin-role", "referent"),
     "doit être rattaché à une structure"),
    ("an organisation for an admin",
     ("--grant-type", "client_credentials", "--scope", "admin", "--admin-role", "admin",
      "--org", ORG_A), "Seul un client de rôle referent est rattaché à une structure"),
    ("an organisation without a role", (*SERVICE, "--org", ORG_A),
     "Seul un client de rôle referent est rattaché à une structure"),
    ("an unknown organisation",
     ("--grant-type", "client_credentials", "--scope", "admin", "--admin-role", "referent",
      "--org", "999"), "La structure « 999 » n'existe pas."),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD_REGISTRATIONS,
                         ids=[c[0] for c in BAD_REGISTRATIONS])
def test_bad_admin_registrations_are_refused_and_nothing_written(app, runner, org, case, args,
                                                                 message):
    before = state(app)

    refused(clients(runner, "create", "--name", "API", *args), message)

    assert state(app) == before


# --- Listing and showing ------------------------------------------------------------------------

def test_list_shows_every_client_disabled_ones_too(runner):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI)
    service = create(runner, *SERVICE)
    assert clients(runner, "disable", service.client_id).exit_code == 0

    lines = clients(runner, "list").stdout.splitlines()
    as_json = [json.loads(line) for line in clients(runner, "list", "--json").stdout.splitlines()]

    assert sorted(line.split("\t")[0] for line in lines) == sorted(
        [webmail.client_id, service.client_id])
    assert any(line.endswith("désactivé") for line in lines if service.client_id in line)
    assert {c["client_id"]: c["disabled"] for c in as_json} == {
        webmail.client_id: False, service.client_id: True}


def test_show_gives_the_settings_and_never_a_secret(runner):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI, "--first-party")

    result = clients(runner, "show", webmail.client_id, "--json")

    assert result.exit_code == 0, result.output
    details = json.loads(result.stdout)
    assert details["redirect_uris"] == [REDIRECT_URI]
    assert details["first_party"] is True and details["min_acr"] == "mfa"
    assert webmail.client_secret not in result.stdout
    assert "secret_hash" not in result.stdout
    text = clients(runner, "show", webmail.client_id)
    assert f"redirect_uris: {REDIRECT_URI}" in text.stdout


def test_an_unknown_client_is_refused_by_every_command(runner):
    for command in ("show", "update", "rotate-secret", "disable", "enable"):
        refused(clients(runner, command, "nope"), "L'application « nope » n'existe pas.")


def test_a_client_id_beginning_with_a_dash_is_read_as_an_id(app, runner):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI)
    with app.app_context():  # random URL-safe ids begin with "-" one time in 64
        db.session.execute(db.update(Client).where(Client.client_id == webmail.client_id)
                           .values(client_id="-rdDuRHgBE_zUdvpO4CBrA"))
        db.session.commit()

    assert clients(runner, "show", "-rdDuRHgBE_zUdvpO4CBrA").exit_code == 0
    result = clients(runner, "update", "-rdDuRHgBE_zUdvpO4CBrA", "--name", "Webmail 2")
    assert result.exit_code == 0, result.output
    assert shown(app, "-rdDuRHgBE_zUdvpO4CBrA")["name"] == "Webmail 2"
    refused(clients(runner, "show", "--nope"), "L'application « --nope » n'existe pas.")


# --- Editing ------------------------------------------------------------------------------------

def test_an_update_changes_only_what_is_given_and_is_audited(app, runner):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI, "--post-logout-redirect-uri",
                     "https://rp.example.org/bye", "--backchannel-logout-uri",
                     "https://rp.example.org/bcl")

    result = clients(runner, "update", webmail.client_id, "--name", "Webmail 2",
                     "--redirect-uri", "https://rp.example.org/a",
                     "--redirect-uri", "http://localhost:8000/b",
                     "--acr", "pwd", "--first-party", "--resource-server",
                     "--backchannel-logout-uri", "")

    assert result.exit_code == 0, result.output
    details = shown(app, webmail.client_id)
    assert details["name"] == "Webmail 2"
    assert details["redirect_uris"] == ["https://rp.example.org/a", "http://localhost:8000/b"]
    assert details["post_logout_redirect_uris"] == ["https://rp.example.org/bye"]
    assert (details["min_acr"], details["first_party"], details["resource_server"]) == (
        "pwd", True, True)
    assert details["backchannel_logout_uri"] is None
    [event] = audit_events(app, "client.updated")
    assert event.detail["fields"] == ["backchannel_logout_uri", "first_party", "min_acr", "name",
                                      "redirect_uris", "resource_server"]
    assert event.detail["by"] == "cli"

    assert clients(runner, "update", webmail.client_id, "--no-first-party",
                   "--post-logout-redirect-uri", "").exit_code == 0
    details = shown(app, webmail.client_id)
    assert details["first_party"] is False and details["post_logout_redirect_uris"] == []


def test_an_update_that_changes_nothing_writes_nothing(app, runner):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI)
    before = state(app, webmail.client_id)

    assert clients(runner, "update", webmail.client_id, "--acr", "mfa").exit_code == 0

    assert state(app, webmail.client_id) == before


def test_the_edited_redirect_uri_is_the_only_one_accepted(client, runner):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI)
    new_uri = "https://rp.example.org/new-callback"
    assert clients(runner, "update", webmail.client_id, "--redirect-uri", new_uri).exit_code == 0
    params = {"response_type": "code", "client_id": webmail.client_id, "scope": "openid",
              "state": "s1", "nonce": "n1"}

    old = client.get("/authorize", query_string={**params, "redirect_uri": REDIRECT_URI})
    new = client.get("/authorize", query_string={**params, "redirect_uri": new_uri})

    assert old.status_code == 400 and "Location" not in old.headers
    assert new.status_code == 302 and "/interaction/" in new.headers["Location"]  # sign-in


BAD_UPDATES = [
    ("an http redirect URI to another machine", ("--redirect-uri", "http://rp.example.org/cb"),
     "https obligatoire"),
    ("a redirect URI with a fragment", ("--redirect-uri", "https://rp.example.org/cb#x"),
     "sans fragment"),
    ("a malformed host", ("--redirect-uri", "https://[rp.example.org/cb"), "URI invalide"),
    ("no redirect URI left", ("--redirect-uri", ""),
     "Au moins une URI de redirection est obligatoire."),
    ("an http back-channel logout URI", ("--backchannel-logout-uri", "http://rp.example.org/b"),
     "https obligatoire"),
    ("an empty name", ("--name", "  "), "Le nom de l'application est obligatoire"),
    ("an admin role for a code flow client", ("--admin-role", "admin"),
     "ne se donne qu'à un client « client_credentials »"),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD_UPDATES,
                         ids=[c[0] for c in BAD_UPDATES])
def test_bad_updates_are_refused_like_a_registration_and_nothing_changes(app, runner, case, args,
                                                                         message):
    webmail = create(runner, "--redirect-uri", REDIRECT_URI)
    before = state(app, webmail.client_id)

    refused(clients(runner, "update", webmail.client_id, *args), message)

    assert state(app, webmail.client_id) == before


def test_a_service_client_gets_no_redirect_uri_by_an_update(app, runner):
    service = create(runner, *SERVICE)
    before = state(app, service.client_id)

    refused(clients(runner, "update", service.client_id, "--redirect-uri", REDIRECT_URI),
            "n'a pas d'URI de redirection")

    assert state(app, service.client_id) == before


def test_the_role_of_an_admin_service_client_changes_with_its_organisation(app, runner, org):
    service = create(runner, "--grant-type", "client_credentials", "--scope", "admin",
                     "--admin-role", "referent", "--org", ORG_A)

    refused(clients(runner, "update", service.client_id, "--admin-role", "support"),
            "Seul un client de rôle referent est rattaché à une structure")
    result = clients(runner, "update", service.client_id, "--admin-role", "support", "--org", "")

    assert result.exit_code == 0, result.output
    details = shown(app, service.client_id)
    assert (details["admin_role"], details["admin_organisation"]) == ("support", None)


@pytest.mark.parametrize(("changes", "message"), [
    ({"secret_hash": "0" * 64}, "Réglage inconnu ou non modifiable : secret_hash."),
    ({"first_party": "yes"}, "vaut vrai ou faux"),
    ({"redirect_uris": REDIRECT_URI}, "données en liste"),
    ({"redirect_uris": [42]}, "URI invalide"),
    ({"min_acr": ["mfa"]}, "Niveau d'authentification inconnu"),
    ({"name": 7}, "Le nom de l'application est obligatoire"),
    ({"admin_organisation": 7}, "Code de structure invalide"),
    ({"admin_role": "root"}, "Rôle d'administration inconnu : root"),
])
def test_malformed_changes_are_validation_errors(app, actors, changes, message):
    webmail = actors.rp()
    before = state(app, webmail.client_id)

    with app.app_context(), pytest.raises(ValidationError, match=message):
        admin_clients.update_client(operator(), webmail.client_id, **changes)

    assert state(app, webmail.client_id) == before
