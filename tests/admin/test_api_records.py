"""The audit trail and the deliveries in the JSON admin API (/admin/api/audit and
/admin/api/deliveries): scoped to a referent's organisation, filtered by person, event,
organisation and period, bad filters answer 422, and delivery destinations are masked."""

from __future__ import annotations

import json

import pytest

from .api_calls import is_problem
from .conftest import ALICE, BOB, ORG_B, RITA, SAM

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
    # the links, and the sign-in codes of the referent and support agent behind their tokens
    assert {d["person"] for d in everything} == {ALICE, BOB, RITA, SAM}
    assert all("@" in d["destination"] and "*" in d["destination"] for d in everything)
    assert "alice@example.org" not in json.dumps(everything)
    mine = api.get("/deliveries", tokens.referent).json["items"]
    assert {d["person"] for d in mine} == {ALICE, RITA}
    is_problem(api.get("/deliveries", tokens.referent, query_string={"person": BOB}), 404)
    assert api.get("/deliveries", tokens.admin,
                   query_string={"until": "2000-01-01"}).json["items"] == []
