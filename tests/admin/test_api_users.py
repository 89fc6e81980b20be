"""Accounts in the JSON admin API (/admin/api/users): listing, reading, creating, changing and
acting on accounts. Each role does what the web area lets it do; a referent is kept to their
organisation (404, nothing changes), support reads only (403, nothing changes), refused
bodies change nothing, and every write names who acted in the audit trail."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from idp.admin import accounts
from idp.extensions import db
from idp.models import (
    AuditEvent,
    NotificationEmailChange,
    PasswordResetToken,
    SsoSession,
    User,
)

from ..helpers import audit_events
from .api_calls import emails, is_problem
from .conftest import ADA, ALICE, API, BOB, ORG_A, ORG_B, RITA, SAM


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
        db.session.commit()
        db.session.remove()
    return state


# --- Accounts -----------------------------------------------------------------------------

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
