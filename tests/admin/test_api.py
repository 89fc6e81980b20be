"""The JSON admin API (/admin/api) with real tokens: service clients get theirs from the token
endpoint (client_credentials), people from the code flow. Each role does what the web area lets
it do; a referent is kept to their organisation (404, nothing changes), support reads only (403,
nothing changes); every error is a problem details document; the OpenAPI document lists exactly
the routes served."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from idp.admin import accounts
from idp.extensions import db
from idp.models import (
    AuditEvent,
    Client,
    NotificationEmailChange,
    PasswordResetToken,
    SsoSession,
    User,
)
from idp.oidc.clients import ADMIN_SCOPE

from ..helpers import audit_events
from .conftest import ADA, ALICE, API, BOB, ORG_A, ORG_B, RITA, SAM, Api

PROBLEM = "application/problem+json"


def is_problem(response, status: int) -> dict:
    """Check ``response`` is a problem details document of ``status``; its body."""
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def snapshot(app, email: str) -> tuple:
    """Everything an action could change about an account, and what it would leave behind."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        count = db.session.scalar
        state = (
            accounts.describe(user) if user else None,
            count(db.select(db.func.count(User.id))),
            count(db.select(db.func.count(AuditEvent.id))),
            count(db.select(db.func.count(PasswordResetToken.id))),
            count(db.select(db.func.count(NotificationEmailChange.id))),
            count(db.select(db.func.count(SsoSession.id)).where(SsoSession.ended_at.is_(None))),
        )
        db.session.remove()
    return state


# --- Tokens -------------------------------------------------------------------------------


def test_the_token_endpoint_grants_the_admin_scope(app, client, runner, actors):
    """A service client registered with the admin scope gets it at the token endpoint."""
    api = Api(app, client, runner, actors)
    assert api.service_token("admin")


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(api, world):
    response = api.get("/users")
    body = is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "admin" in body["detail"]
    for header in ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer", "Bearer ", "Bearer a b"):
        response = api.get("/users", headers={"Authorization": header})
        is_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_revoked_token_is_401_invalid_token(api, world):
    response = api.get("/users", "not-a-token")
    assert is_problem(response, 401)["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    client_id, secret = api.service_client("admin")
    token = api.client_token(client_id, secret)
    api.client.post("/revoke", data={"token": token}, auth=(client_id, secret))
    assert is_problem(api.get("/users", token), 401)["error"] == "invalid_token"


def test_a_token_without_the_admin_scope_is_403_insufficient_scope(api, world):
    token = api.service_token("", scope="openid")
    response = api.get("/users", token)
    assert is_problem(response, 403)["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="admin"' in response.headers["WWW-Authenticate"]
    # A referent's ordinary sign-in token (the webmail's) does not open the API either.
    person = api.person_token(RITA, scope="openid profile")
    assert is_problem(api.get("/users", person), 403)["error"] == "insufficient_scope"


def test_a_person_without_an_admin_role_is_refused_even_with_the_scope(api, world):
    token = api.person_token(ALICE)
    body = is_problem(api.get("/users", token), 403)
    assert "droit d'administration" in body["detail"]


def test_a_disabled_person_token_stops_working(api, world, tokens):
    assert api.get("/users", tokens.referent).status_code == 200
    assert api.post(f"/users/{RITA}/disable", tokens.admin).status_code == 200
    is_problem(api.get("/users", tokens.referent), 401)


# --- Problems, routes, the OpenAPI document -----------------------------------------------


def test_unknown_routes_and_methods_are_problems_inside_the_api_only(api, world, tokens):
    is_problem(api.get("/nothing-here", tokens.admin), 404)
    is_problem(api.get("/nothing-here"), 404)  # routing comes before the token check
    response = api.call("DELETE", f"/users/{ALICE}", tokens.admin)
    is_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH"}
    assert api.client.get("/nothing-here").mimetype == "text/html"  # the rest keeps its pages


def test_answers_are_not_cached(api, world, tokens):
    response = api.get(f"/users/{ALICE}", tokens.admin)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_openapi_document_lists_exactly_the_routes_served(app, api):
    response = api.get("/openapi.json")  # no token needed
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["openapi"].startswith("3.1")
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item}
    assert documented == served


def test_the_openapi_document_is_complete_and_consistent(api):
    document = api.get("/openapi.json").json
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": [ADMIN_SCOPE]}]

    def resolve(ref: str):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                assert resolve(node["$ref"]) is not None
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            assert operation["summary"] and operation["responses"], (path, method)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)
            if method in ("post", "patch"):
                assert "requestBody" in operation, (path, method)
                assert "422" in operation["responses"]
            if path != f"{API}/openapi.json":
                assert {"401", "403"} <= set(operation["responses"]), (path, method)


def test_the_documented_schemas_match_the_answers(app, api, world, tokens, mail_catcher):
    schemas = api.get("/openapi.json").json["components"]["schemas"]

    def keys(name):
        return set(schemas[name]["properties"])

    assert set(api.get(f"/users/{ALICE}", tokens.admin).json) == keys("User")
    api.post(f"/users/{ALICE}/password-reset", tokens.admin)
    assert set(api.get("/audit", tokens.admin).json["items"][0]) == keys("AuditEvent")
    assert set(api.get("/deliveries", tokens.admin).json["items"][0]) == keys("Delivery")
    created = api.post("/clients", tokens.admin, json={
        "name": "Webmail", "redirect_uris": ["https://webmail.example.org/cb"]}).json
    assert set(created) == keys("Client") | {"client_secret"}
    assert set(api.get(f"/clients/{created['client_id']}", tokens.admin).json) == keys("Client")
    rotated = api.post(f"/clients/{created['client_id']}/rotate-secret", tokens.admin).json
    assert set(rotated) == keys("NewSecret")
    assert set(api.post(f"/users/{ALICE}/sessions-end", tokens.admin).json) == keys(
        "SessionsEnded")


# --- Accounts -----------------------------------------------------------------------------


def emails(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [user["address"] for user in response.json["items"]]


def test_each_role_lists_the_accounts_it_may_see(api, world, tokens):
    assert set(emails(api.get("/users", tokens.admin))) == {ALICE, BOB, RITA, SAM, ADA}
    assert set(emails(api.get("/users", tokens.support))) == {ALICE, BOB, RITA, SAM, ADA}
    assert set(emails(api.get("/users", tokens.referent))) == {ALICE, RITA}
    assert set(emails(api.get("/users", tokens.referent_service))) == {ALICE, RITA}
    assert emails(api.get("/users", tokens.admin, query_string={"search": "durand"})) == [BOB]
    assert set(emails(api.get("/users", tokens.admin,
                              query_string={"organisation": ORG_B}))) == {BOB}
    assert emails(api.get("/users", tokens.referent, query_string={"organisation": ORG_B})) == []
    page = api.get("/users", tokens.admin, query_string={"page": "2"}).json
    assert page["items"] == [] and page["page"] == 2 and page["page_size"] == accounts.PAGE_SIZE


@pytest.mark.parametrize("query", [
    {"page": "0"}, {"page": "-1"}, {"page": "x"}, {"page": "1.5"}, {"page": "10" * 20},
    {"page": "١"}, {"pgae": "2"}, {"search": "x" * 2000},
])
def test_bad_query_parameters_are_422(api, world, tokens, query):
    is_problem(api.get("/users", tokens.admin, query_string=query), 422)


def test_repeated_query_parameters_are_422(api, world, tokens):
    is_problem(api.get("/users?page=1&page=2", tokens.admin), 422)


def test_reading_an_account_follows_the_scoping(api, world, tokens):
    alice = api.get(f"/users/{ALICE}", tokens.referent)
    assert alice.status_code == 200
    assert alice.json["address"] == ALICE and alice.json["organisation"] == ORG_A
    assert alice.json["pending_notification_email"] is None
    assert "password_hash" not in alice.json
    assert api.get(f"/users/{BOB}", tokens.support).status_code == 200
    assert "n'existe pas" in is_problem(api.get(f"/users/{BOB}", tokens.referent), 404)["detail"]
    is_problem(api.get(f"/users/{BOB}", tokens.referent_service), 404)
    is_problem(api.get("/users/nobody@chu-a.mssante.fr", tokens.admin), 404)


NEW = {"address": "carla.petit@chu-a.mssante.fr", "name": "Carla Petit",
       "notification_email": "carla@example.org"}


def test_a_referent_creates_an_account_in_their_organisation(app, api, world, tokens,
                                                             mail_catcher):
    response = api.post("/users", tokens.referent, json=NEW)
    assert response.status_code == 201, response.json
    assert response.json["organisation"] == ORG_A and response.json["role"] == "user"
    assert urlsplit(response.headers["Location"]).path == f"{API}/users/{NEW['address']}"
    assert [m["to"] for m in mail_catcher.messages("email")] == [["carla@example.org"]]
    [created] = audit_events(app, "admin.account_created")
    assert created.detail["by"] == RITA


def test_an_administrator_service_creates_a_referent_elsewhere(api, world, tokens):
    response = api.post("/users", tokens.admin, json={
        **NEW, "address": "remi.roux@chu-b.mssante.fr", "organisation": ORG_B,
        "role": "referent", "phone": "+33612345678"})
    assert response.status_code == 201, response.json
    assert response.json["organisation"] == ORG_B and response.json["role"] == "referent"


@pytest.mark.parametrize("who", ["referent", "referent_service"])
def test_a_referent_cannot_create_in_another_organisation(app, api, world, tokens, who):
    before = snapshot(app, ALICE)
    body = {**NEW, "address": "remi.roux@chu-b.mssante.fr", "organisation": ORG_B}
    is_problem(api.post("/users", getattr(tokens, who), json=body), 404)
    is_problem(api.post("/users", getattr(tokens, who), json={**NEW, "role": "admin"}), 403)
    assert snapshot(app, ALICE) == before


def test_support_cannot_create(app, api, world, tokens):
    before = snapshot(app, ALICE)
    is_problem(api.post("/users", tokens.support, json=NEW), 403)
    assert snapshot(app, ALICE) == before


def test_an_existing_address_is_409(api, world, tokens):
    is_problem(api.post("/users", tokens.admin, json={**NEW, "address": ALICE}), 409)


@pytest.mark.parametrize(("body", "status"), [
    ({k: v for k, v in NEW.items() if k != "name"}, 422),  # required field missing
    ({**NEW, "password": "secret"}, 422),  # unknown field
    ({**NEW, "name": 42}, 422),  # wrong type
    ({**NEW, "phone": ["+33612345678"]}, 422),
    ({**NEW, "notification_email": "not-an-address"}, 422),  # the service's own check
    ([NEW], 422),  # not an object
])
def test_bad_bodies_are_refused(app, api, world, tokens, body, status):
    before = snapshot(app, ALICE)
    is_problem(api.post("/users", tokens.admin, json=body), status)
    assert snapshot(app, ALICE) == before


def test_a_body_that_is_not_json_is_refused(api, world, tokens):
    is_problem(api.post("/users", tokens.admin, data="address=x", content_type=(
        "application/x-www-form-urlencoded")), 415)
    is_problem(api.post("/users", tokens.admin, data="{not json",
                        content_type="application/json"), 400)


@pytest.mark.parametrize("data", [
    json.dumps({**NEW, "name": "Carla\u0000Petit"}),  # NUL, refused as in forms
    "[" * 100_000 + "]" * 100_000,  # nesting too deep to parse
    json.dumps({**NEW, "phone": None, "organisation": {"a": [[[[]]]]}}),
])
def test_hostile_bodies_are_refused_without_a_500(app, api, world, tokens, data):
    before = snapshot(app, ALICE)
    response = api.post("/users", tokens.admin, data=data, content_type="application/json")
    assert response.status_code in (400, 422)
    is_problem(response, response.status_code)
    assert snapshot(app, ALICE) == before


def test_a_referent_changes_an_account_of_their_organisation(app, api, world, tokens):
    response = api.patch(f"/users/{ALICE}", tokens.referent,
                         json={"name": "Alice Martin-Roy", "phone": None})
    assert response.status_code == 200, response.json
    assert response.json["family_name"] == "Martin-Roy" and response.json["phone"] is None
    [updated] = audit_events(app, "admin.account_updated")
    assert updated.detail["by"] == RITA


def test_changing_the_notification_email_starts_its_confirmation(app, api, world, tokens,
                                                                 mail_catcher):
    response = api.patch(f"/users/{ALICE}", tokens.referent,
                         json={"notification_email": "alice.new@example.org"})
    assert response.status_code == 200, response.json
    assert response.json["notification_email"] == "alice@example.org"  # not before the link
    assert response.json["pending_notification_email"]["address"] == "alice.new@example.org"
    recipients = [m["to"] for m in mail_catcher.messages("email")]
    assert ["alice.new@example.org"] in recipients and ["alice@example.org"] in recipients
    [requested] = audit_events(app, "notification_email.change_requested")
    assert requested.detail["requested_by"] == RITA


def test_a_service_client_is_named_in_the_audit_trail(app, api, world, tokens, mail_catcher):
    response = api.patch(f"/users/{BOB}", tokens.admin,
                         json={"notification_email": "bob.new@example.org"})
    assert response.status_code == 200, response.json
    [requested] = audit_events(app, "notification_email.change_requested")
    assert requested.detail["requested_by"].startswith("client:")


@pytest.mark.parametrize("body", [
    {"name": "Alice Nouvelle", "phone": "0612"},  # a bad phone: the good name is not kept
    {"name": "Alice Nouvelle", "notification_email": "alice@example.org"},  # already hers
    {"name": "Alice Nouvelle", "notification_email": ALICE},
    {"name": "Alice Nouvelle", "psc_national_id": "not valid!"},
    {"name": "Alice Nouvelle", "role": "king"},
    {"name": ""},
    {"enabled": False},  # unknown field
    {"name": None},  # not nullable
])
def test_a_refused_change_changes_nothing(app, api, world, tokens, body, mail_catcher):
    before = snapshot(app, ALICE)
    is_problem(api.patch(f"/users/{ALICE}", tokens.admin, json=body), 422)
    assert snapshot(app, ALICE) == before
    assert mail_catcher.messages() == []


def test_only_an_administrator_changes_role_and_organisation(app, api, world, tokens):
    before = snapshot(app, ALICE)
    for body in ({"role": "referent"}, {"organisation": ORG_B}, {"name": "A B", "role": "user"}):
        is_problem(api.patch(f"/users/{ALICE}", tokens.referent, json=body), 403)
    assert snapshot(app, ALICE) == before
    response = api.patch(f"/users/{ALICE}", tokens.admin, json={"organisation": ORG_B})
    assert response.json["organisation"] == ORG_B
    response = api.patch(f"/users/{ALICE}", tokens.admin, json={"organisation": None})
    assert response.json["organisation"] is None


def test_the_pro_sante_connect_identity_is_set_and_removed(api, world, tokens):
    response = api.patch(f"/users/{ALICE}", tokens.referent,
                         json={"psc_national_id": "810001234567"})
    assert response.json["psc_national_id"] == "810001234567"
    is_problem(api.patch(f"/users/{BOB}", tokens.admin,
                         json={"psc_national_id": "810001234567"}), 409)
    response = api.patch(f"/users/{ALICE}", tokens.referent, json={"psc_national_id": None})
    assert response.json["psc_national_id"] is None


# Every write on an account: (method, path under /users/{address}, body, audit event).
WRITES = [
    ("PATCH", "", {"name": "Robert Dupont"}, "admin.account_updated"),
    ("PATCH", "", {"notification_email": "new@example.org"},
     "notification_email.change_requested"),
    ("PATCH", "", {"psc_national_id": "810001234567"}, "federation.linked"),
    ("POST", "/password-reset", None, "admin.password_reset_sent"),
    ("POST", "/factors-reset", None, "admin.factors_reset"),
    ("POST", "/unlock", None, "admin.account_unlocked"),
    ("POST", "/sessions-end", None, "admin.sessions_ended"),
    ("POST", "/disable", None, "admin.account_disabled"),
    ("POST", "/enable", None, "admin.account_enabled"),
]
WRITE_IDS = [f"{method} {path or '/'} {next(iter(body or {}), '')}".strip()
             for method, path, body, _event in WRITES]


@pytest.mark.parametrize(("method", "path", "body", "event"), WRITES, ids=WRITE_IDS)
def test_a_referent_acts_on_their_organisation_and_is_named(app, api, world, tokens,
                                                           mail_catcher, method, path,
                                                           body, event):
    response = api.call(method, f"/users/{ALICE}{path}", tokens.referent, json=body)
    assert response.status_code == 200, response.json
    events = [e for e in audit_events(app, event) if e.event == event]
    assert events, event
    assert RITA in {e.detail.get("by") or e.detail.get("requested_by")
                    or e.detail.get("linked_by") for e in events}


@pytest.mark.parametrize(("method", "path", "body", "event"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("who", ["referent", "referent_service"])
def test_a_referent_cannot_touch_another_organisations_account(app, api, world, tokens,
                                                               mail_catcher, who, method,
                                                               path, body, event):
    before = snapshot(app, BOB)
    response = api.call(method, f"/users/{BOB}{path}", getattr(tokens, who), json=body)
    assert "n'existe pas" in is_problem(response, 404)["detail"]
    assert snapshot(app, BOB) == before
    assert audit_events(app, event) == []


@pytest.mark.parametrize(("method", "path", "body", "event"), WRITES, ids=WRITE_IDS)
def test_support_reads_but_changes_nothing(app, api, world, tokens, mail_catcher, method,
                                           path, body, event):
    before = snapshot(app, ALICE)
    is_problem(api.call(method, f"/users/{ALICE}{path}", tokens.support, json=body), 403)
    assert snapshot(app, ALICE) == before
    assert audit_events(app, event) == []


@pytest.mark.parametrize("address", [SAM, ADA])
def test_a_referent_cannot_act_on_the_platform_staff(app, api, world, tokens, address):
    before = snapshot(app, address)
    is_problem(api.post(f"/users/{address}/password-reset", tokens.referent), 404)
    assert snapshot(app, address) == before


def test_sessions_end_says_how_many(app, api, world, tokens):
    # The referent's token came from a sign-in: that sign-in is a live session.
    response = api.post(f"/users/{RITA}/sessions-end", tokens.admin)
    assert response.json == {"address": RITA, "sessions_ended": 1}


def test_disable_and_enable(api, world, tokens):
    assert api.post(f"/users/{ALICE}/disable", tokens.referent).json["status"] == "disabled"
    assert api.post(f"/users/{ALICE}/enable", tokens.referent).json["status"] == "active"
    is_problem(api.post(f"/users/{RITA}/disable", tokens.referent), 403)  # not oneself


def test_an_action_refuses_a_body_with_fields(app, api, world, tokens):
    before = snapshot(app, ALICE)
    is_problem(api.post(f"/users/{ALICE}/unlock", tokens.admin, json={"force": True}), 422)
    assert snapshot(app, ALICE) == before
    assert api.post(f"/users/{ALICE}/unlock", tokens.admin, json={}).status_code == 200


# --- Audit trail and deliveries -----------------------------------------------------------


def test_the_audit_trail_is_scoped_and_filtered(app, api, world, tokens, mail_catcher):
    api.post(f"/users/{ALICE}/password-reset", tokens.admin)
    api.post(f"/users/{BOB}/password-reset", tokens.admin)
    everything = api.get("/audit", tokens.admin).json
    assert everything["page"] == 1
    people = {e["person"] for e in everything["items"]}
    assert {ALICE, BOB} <= people
    mine = api.get("/audit", tokens.referent).json["items"]
    assert mine and {e["person"] for e in mine} <= {ALICE, RITA}
    bob = api.get("/audit", tokens.support, query_string={"person": BOB}).json["items"]
    assert bob and {e["person"] for e in bob} == {BOB}
    is_problem(api.get("/audit", tokens.referent, query_string={"person": BOB}), 404)
    sent = api.get("/audit", tokens.admin, query_string={"event": "admin.password"}).json
    assert {e["event"] for e in sent["items"]} == {"admin.password_reset_sent"}
    by_org = api.get("/audit", tokens.admin, query_string={"organisation": ORG_B}).json
    assert {e["person"] for e in by_org["items"]} == {BOB}


def test_the_audit_trail_by_period(api, world, tokens):
    today = api.get("/audit", tokens.admin).json["items"][0]["at"][:10]
    for since in (today, f"{today}T00:00:00Z", f"{today}T00:00:00+02:00"):
        assert api.get("/audit", tokens.admin, query_string={"since": since}).json["items"]
    assert api.get("/audit", tokens.admin,
                   query_string={"since": today, "until": today}).json["items"]
    assert api.get("/audit", tokens.admin,
                   query_string={"until": "2000-01-01"}).json["items"] == []


@pytest.mark.parametrize("query", [
    {"since": "yesterday"}, {"until": "2025-13-01"}, {"since": "2025-02-30"},
    {"since": "2025-02-01", "until": "2025-01-01"}, {"page": "0"}, {"sort": "at"},
])
def test_bad_filters_are_422(api, world, tokens, query):
    is_problem(api.get("/audit", tokens.admin, query_string=query), 422)
    is_problem(api.get("/deliveries", tokens.admin, query_string=query), 422)


def test_deliveries_are_scoped_and_masked(api, world, tokens, mail_catcher):
    api.post(f"/users/{ALICE}/password-reset", tokens.admin)
    api.post(f"/users/{BOB}/password-reset", tokens.admin)
    everything = api.get("/deliveries", tokens.support).json["items"]
    assert {d["person"] for d in everything} == {ALICE, BOB}
    assert all("@" in d["destination"] and "*" in d["destination"] for d in everything)
    assert "alice@example.org" not in json.dumps(everything)
    mine = api.get("/deliveries", tokens.referent).json["items"]
    assert {d["person"] for d in mine} == {ALICE}
    is_problem(api.get("/deliveries", tokens.referent, query_string={"person": BOB}), 404)
    assert api.get("/deliveries", tokens.admin,
                   query_string={"until": "2000-01-01"}).json["items"] == []


# --- Clients ------------------------------------------------------------------------------


def client_row(app, client_id: str) -> tuple:
    with app.app_context():
        row = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
        state = (row.name, row.secret_hash, row.disabled, row.redirect_uris, row.admin_role)
        db.session.remove()
    return state


def client_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(Client.id)))
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
    for action in ("rotate-secret", "disable", "enable"):
        is_problem(api.post(f"/clients/{client_id}/{action}", token), 403)
    assert (client_row(app, client_id), client_count(app)) == before
