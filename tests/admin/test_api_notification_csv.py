"""The notification-address CSV in the JSON admin API (/admin/api/notification-emails): the
import is a dry run unless asked, and a file with one rejected line answers 422 and writes
nothing, even with apply=true; support may export but not import, a referent's export is
scoped to their organisation, and an export imports back as unchanged."""

from __future__ import annotations

import json

import pytest

from idp.admin import notification_csv
from idp.extensions import db
from idp.models import Delivery, User

from ..delivery_servers import app_settings
from ..helpers import audit_events
from .api_calls import CSV, everything, is_problem
from .conftest import ADA, ALICE, BOB, ORG_A, ORG_B, RITA, SAM
from .test_notification_csv import HEADER, NINA, VALID, pending

# --- Notification addresses: CSV import and export ----------------------------------------


def post_csv(api, token, data, apply: str | None = None, content_type: str = CSV):
    query = {"apply": apply} if apply is not None else {}
    return api.post("/notification-emails/import", token, data=data, query_string=query,
                    content_type=content_type)


def outcomes(body) -> list[tuple]:
    return [(line["number"], line["address"], line["outcome"]) for line in body["lines"]]


@pytest.mark.parametrize("apply", [None, "false"])
def test_a_dry_run_reports_each_line_and_writes_nothing(app, api, tokens, mail_catcher, apply):
    before = everything(app)
    response = post_csv(api, tokens.referent, VALID, apply)
    assert response.status_code == 200, response.json
    body = response.json
    assert outcomes(body) == [(2, ALICE, "updated"), (3, NINA, "created"),
                              (4, RITA, "unchanged")]
    assert "alice.martin@example.net" in body["lines"][0]["reason"]
    assert body["applied"] is False and body["summary"].startswith("Simulation")
    assert body["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 0}
    assert everything(app) == before
    assert pending(app, ALICE) is None
    assert mail_catcher.messages() == []


@pytest.mark.parametrize("apply", ["true", "false", None])
def test_one_bad_line_answers_422_and_changes_nothing(app, api, tokens, mail_catcher, apply):
    text = VALID + f"{BOB};bob.nouveau@example.org;;;\n"  # B's account, for A's referent
    before = everything(app)
    body = is_problem(post_csv(api, tokens.referent, text, apply), 422)
    assert body["detail"].startswith("Import refusé") and body["detail"] == body["summary"]
    assert body["applied"] is False
    assert outcomes(body) == [(2, ALICE, "updated"), (3, NINA, "created"),
                              (4, RITA, "unchanged"), (5, BOB, "rejected")]
    assert "votre structure" in body["lines"][-1]["reason"]
    assert body["counts"]["rejected"] == 1
    assert everything(app) == before
    assert pending(app, ALICE) is None
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == NINA)) is None
    assert mail_catcher.messages() == []


def test_a_valid_file_applies_every_line(app, api, tokens, mail_catcher):
    response = post_csv(api, tokens.referent, VALID.encode(), "true",
                        content_type="application/octet-stream")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["applied"] is True and body["summary"].startswith("Import appliqué")
    assert [line["outcome"] for line in body["lines"]] == ["updated", "created", "unchanged"]
    assert body["lines"][0]["reason"].startswith("Lien de confirmation envoyé")
    with app.app_context():
        nina = db.session.scalar(db.select(User).where(User.email == NINA))
        assert (nina.notification_email, nina.phone, nina.organisation.code) == (
            "nina@example.org", "+33612345678", ORG_A)
    assert pending(app, ALICE) == "alice.martin@example.net"
    received = sorted(tuple(m["to"]) for m in mail_catcher.messages("email"))
    assert received == [("alice.martin@example.net",), ("alice@example.org",),
                        ("nina@example.org",)]
    [event] = audit_events(app, "admin.notification_emails_imported")
    assert event.detail == {"by": RITA, "created": 1, "updated": 1, "unchanged": 1,
                            "rejected": 0}


def test_a_link_the_mail_server_refuses_withdraws_its_request_once_the_retries_are_spent(
        app, api, tokens, refusing_smtp, mail_catcher):
    with app_settings(app, MAIL_PORT=refusing_smtp.port, JOB_MAX_RETRIES=0):
        response = post_csv(api, tokens.admin, f"{HEADER}\n{ALICE};alice.new@example.net;;;\n",
                            "true")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["applied"] is True and body["lines"][0]["outcome"] == "updated"
    assert pending(app, ALICE) is None  # the link never left: the request is withdrawn
    [withdrawn] = audit_events(app, "notification_email.change_withdrawn")
    assert withdrawn.detail["reason"] == "link_not_sent"
    with app.app_context():
        assert db.session.scalars(db.select(Delivery.destination)
                                  .where(Delivery.status == "failed")).all() == ["a***@example.net"]


def test_support_may_export_but_not_import(app, api, tokens, mail_catcher):
    before = everything(app)
    for apply in ("true", "false"):
        is_problem(post_csv(api, tokens.support, VALID, apply), 403)
    assert everything(app) == before and mail_catcher.messages() == []
    response = api.get("/notification-emails/export", tokens.support,
                       query_string={"organisation": ORG_B})
    assert response.status_code == 200
    assert response.text.splitlines() == [HEADER, f"{BOB};bob@example.org;Bob Durand;;{ORG_B}"]


@pytest.mark.parametrize("who", ["referent", "referent_service"])
def test_the_export_is_scoped_to_a_referents_organisation(api, tokens, who):
    token = getattr(tokens, who)
    response = api.get("/notification-emails/export", token)
    assert response.status_code == 200
    assert response.text.splitlines() == [
        HEADER, f"{ALICE};alice@example.org;Alice Martin;+33611223344;{ORG_A}",
        f"{RITA};rita@example.org;Rita Référente;;{ORG_A}"]
    is_problem(api.get("/notification-emails/export", token,
                       query_string={"organisation": ORG_B}), 404)


def test_export_then_import_round_trips_as_unchanged(app, api, tokens, mail_catcher):
    response = api.get("/notification-emails/export", tokens.admin)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    before = everything(app)
    imported = post_csv(api, tokens.admin, response.data, "true")
    assert imported.status_code == 200, imported.json
    assert {line["address"] for line in imported.json["lines"]} == {ALICE, BOB, RITA, SAM, ADA}
    assert {line["outcome"] for line in imported.json["lines"]} == {"unchanged"}
    assert everything(app)[1][0] == before[1][0]  # the accounts and their addresses
    assert pending(app, ALICE) is None and mail_catcher.messages() == []


@pytest.mark.parametrize(("data", "content_type", "query", "status", "message"), [
    (VALID, "application/json", {}, 415, "text/csv"),
    (VALID, None, {}, 415, "text/csv"),
    (VALID, "multipart/form-data; boundary=x", {}, 415, "text/csv"),
    (VALID, "text/csv; charset=latin-1", {}, 415, "UTF-8"),
    (f"{HEADER}\n{ALICE};é@example.org;;;\n".encode("latin-1"), CSV, {}, 422, "UTF-8"),
    ("", CSV, {}, 422, "fichier CSV"),
    ("\n\n", CSV, {}, 422, "fichier CSV"),
    ("adresse;email\nx;y\n", CSV, {}, 422, "première ligne"),
    (f"{HEADER}\n", CSV, {}, 422, "aucune ligne"),
    (f"{HEADER}\n{ALICE};a\u0000@example.org;;;\n", CSV, {"apply": "true"}, 422, "NUL"),
    (HEADER + f"\n{ALICE};a@example.org;;;" * (notification_csv.MAX_LINES + 1), CSV, {}, 422,
     "2 000 lignes"),
    (VALID, CSV, {"apply": "yes"}, 422, "true ou false"),
    (VALID, CSV, {"apply": "1"}, 422, "true ou false"),
    (VALID, CSV, {"apply": ["true", "true"]}, 422, "répété"),
    (VALID, CSV, {"dry_run": "false"}, 422, "inconnu"),
    (HEADER + "\n" + "x" * 300_000, CSV, {"apply": "true"}, 413, "volumineuse"),
])
def test_bad_imports_are_refused_and_change_nothing(app, api, tokens, mail_catcher, data,
                                                   content_type, query, status, message):
    before = everything(app)
    response = api.post("/notification-emails/import", tokens.admin, data=data,
                        content_type=content_type, query_string=query)
    assert message in is_problem(response, status)["detail"]
    assert everything(app) == before and mail_catcher.messages() == []


@pytest.mark.parametrize(("query", "status"), [
    ({"organisation": "999"}, 404), ({"organisation": "x" * 2000}, 422), ({"org": ORG_A}, 422),
])
def test_bad_exports_are_refused(api, tokens, query, status):
    is_problem(api.get("/notification-emails/export", tokens.admin, query_string=query), status)


def test_the_import_answers_json_a_program_can_read(api, tokens, mail_catcher):
    response = post_csv(api, tokens.admin, VALID)
    assert response.mimetype == "application/json"
    assert json.loads(response.data)["lines"][1]["address"] == NINA
