"""Clients in the JSON admin API (/admin/api/clients): an administrator registers, changes,
rotates the secret of, disables and enables clients, including admin service clients with
a role; bad requests change nothing, and no one but an administrator touches clients."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from idp.extensions import db
from idp.models import (
    Client,
)
from idp.oidc.clients import ADMIN_SCOPE

from ..helpers import audit_events
from .api_calls import emails, is_problem
from .conftest import API, BOB, ORG_B

# --- Clients ------------------------------------------------------------------------------


def client_row(app, client_id: str) -> tuple:
    with app.app_context():
        row = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
        state = (row.name, row.secret_hash, row.disabled, row.redirect_uris, row.admin_role)
        db.session.commit()
        db.session.remove()
    return state


def client_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(Client.id)))
        db.session.commit()
        db.session.remove()
    return count


def test_an_administrator_manages_clients(app, api, world, tokens):
    response = api.post("/clients", tokens.admin, json={
        "name": "Webmail", "redirect_uris": ["https://webmail.example.org/cb"],
        "first_party": True, "min_acr": "mfa"})
    assert response.status_code == 201, response.json
    created = response.json
    client_id = created["client_id"]
    assert created["client_secret"] and created["grant_types"] == ["authorization_code"]
    assert urlsplit(response.headers["Location"]).path == f"{API}/clients/{client_id}"
    assert client_id in {c["client_id"] for c in api.get("/clients", tokens.admin).json["items"]}
    assert api.get(f"/clients/{client_id}", tokens.admin).json["name"] == "Webmail"
    changed = api.patch(f"/clients/{client_id}", tokens.admin, json={"name": "Webmail 2"})
    assert changed.status_code == 200 and changed.json["name"] == "Webmail 2"
    assert api.post(f"/clients/{client_id}/disable", tokens.admin).json["disabled"] is True
    assert api.post(f"/clients/{client_id}/enable", tokens.admin).json["disabled"] is False
    [event] = audit_events(app, "client.updated")
    assert event.detail["by"].startswith("client:")


def test_a_service_client_gets_a_referent_role_through_the_api(api, world, tokens):
    response = api.post("/clients", tokens.admin, json={
        "name": "Outil CHU B", "grant_type": "client_credentials", "scope": ADMIN_SCOPE,
        "admin_role": "referent", "admin_organisation": ORG_B})
    assert response.status_code == 201, response.json
    assert response.json["admin_organisation"] == ORG_B
    token = api.client_token(response.json["client_id"], response.json["client_secret"])
    assert set(emails(api.get("/users", token))) == {BOB}


def test_a_rotated_secret_works_and_a_disabled_client_loses_its_tokens(app, api, world, tokens):
    client_id, secret = api.service_client("support")
    token = api.client_token(client_id, secret)
    assert api.get("/users", token).status_code == 200
    rotated = api.post(f"/clients/{client_id}/rotate-secret", tokens.admin)
    assert rotated.status_code == 200, rotated.json
    assert rotated.json["client_id"] == client_id and rotated.json["client_secret"] != secret
    assert rotated.json["previous_secret_expires_at"]
    assert api.get("/users", api.client_token(client_id, rotated.json["client_secret"]))
    api.post(f"/clients/{client_id}/disable", tokens.admin)
    is_problem(api.get("/users", token), 401)


def test_a_leaked_secret_is_refused_at_once_with_the_tokens_it_got(app, api, world, tokens):
    client_id, secret = api.service_client("support")
    token = api.client_token(client_id, secret)
    assert api.get("/users", token).status_code == 200

    replaced = api.post(f"/clients/{client_id}/replace-leaked-secret", tokens.admin)

    assert replaced.status_code == 200, replaced.json
    assert replaced.json["previous_secret_expires_at"] is None
    is_problem(api.get("/users", token), 401)  # the token the old secret got
    assert api.get("/users", api.client_token(client_id, replaced.json["client_secret"]))
    refused = api.client.post("/token", data={"grant_type": "client_credentials",
                                              "scope": ADMIN_SCOPE}, auth=(client_id, secret))
    assert refused.status_code == 401 and refused.json["error"] == "invalid_client"


def test_bad_client_requests_are_refused(app, api, world, tokens):
    is_problem(api.get("/clients/unknown", tokens.admin), 404)
    is_problem(api.post("/clients", tokens.admin, json={"redirect_uris": []}), 422)
    is_problem(api.post("/clients", tokens.admin, json={
        "name": "X", "redirect_uris": "https://x.example.org/cb"}), 422)  # not a list
    is_problem(api.post("/clients", tokens.admin, json={
        "name": "X", "redirect_uris": ["http://x.example.org/cb"]}), 422)  # the service's rule
    client_id, _secret = api.service_client("support")
    before = client_row(app, client_id)
    for body in ({"first_party": "yes"}, {"grant_type": "authorization_code"},
                 {"admin_role": "king"}):
        is_problem(api.patch(f"/clients/{client_id}", tokens.admin, json=body), 422)
    assert client_row(app, client_id) == before


@pytest.mark.parametrize("who", ["referent", "support", "referent_service"])
def test_only_administrators_touch_clients(app, api, world, tokens, who):
    client_id, _secret = api.service_client("support")
    before = client_row(app, client_id), client_count(app)
    token = getattr(tokens, who)
    is_problem(api.get("/clients", token), 403)
    is_problem(api.get(f"/clients/{client_id}", token), 403)
    is_problem(api.post("/clients", token, json={"name": "X", "redirect_uris": [
        "https://x.example.org/cb"]}), 403)
    is_problem(api.patch(f"/clients/{client_id}", token, json={"name": "Pirate"}), 403)
    for action in ("rotate-secret", "replace-leaked-secret", "disable", "enable"):
        is_problem(api.post(f"/clients/{client_id}/{action}", token), 403)
    assert (client_row(app, client_id), client_count(app)) == before
