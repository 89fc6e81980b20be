"""Mailboxes and the notification-address CSV in the JSON admin API (/admin/api), with real
tokens: an administrator acts anywhere, a referent on their organisation's mailboxes and people
only (another's answer 404 and nothing changes), support reads only (403, nothing changes); what
is granted is what the ``mailboxes`` claim lists. The CSV import is a dry run unless asked, and a
file with one rejected line answers 422 and writes nothing, even with apply=true."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from idp.admin import notification_csv
from idp.extensions import db
from idp.models import MailboxAccess, User

from ..delivery_servers import app_settings
from ..helpers import audit_events
from .conftest import ADA, ALICE, API, BOB, ORG_A, ORG_B, RITA, SAM
from .test_api import is_problem
from .test_mailboxes_admin import ACCUEIL_B, SECRETARIAT_A, claim
from .test_mailboxes_admin import state as mailbox_state
from .test_notification_csv import HEADER, NINA, VALID, pending
from .test_notification_csv import state as account_state

STANDARD_A = "standard@chu-a.mssante.fr"
CSV = "text/csv; charset=utf-8"


@pytest.fixture
def boxes(api, tokens):
    """An organisational mailbox in each organisation, made by an administrator's service
    client; B's is sensitive and Bob may open it."""
    for body in ({"address": SECRETARIAT_A, "type": "ORG", "name": "Secrétariat",
                  "organisation": ORG_A},
                 {"address": ACCUEIL_B, "type": "ORG", "name": "Accueil",
                  "organisation": ORG_B, "sensitive": True}):
        response = api.post("/mailboxes", tokens.admin, json=body)
        assert response.status_code == 201, response.json
    response = api.call("PUT", f"/mailboxes/{ACCUEIL_B}/people/{BOB}", tokens.admin)
    assert response.status_code == 200, response.json
    return tokens


def addresses(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [m["address"] for m in response.json["items"]]


def everything(app) -> tuple:
    """Mailboxes, who may open them, accounts, pending changes, links and the audit trail."""
    return mailbox_state(app), account_state(app)


# --- Mailboxes ----------------------------------------------------------------------------


def test_an_administrator_manages_mailboxes_anywhere(app, api, boxes):
    token = boxes.admin
    response = api.post("/mailboxes", token, json={
        "address": "Standard@CHU-B.mssante.fr", "type": "app", "name": "Standard",
        "organisation": ORG_B})
    assert response.status_code == 201, response.json
    created = "standard@chu-b.mssante.fr"
    assert response.json == {"address": created, "type": "APP", "name": "Standard",
                             "organisation": ORG_B, "sensitive": False, "people": []}
    assert urlsplit(response.headers["Location"]).path == f"{API}/mailboxes/{created}"
    assert addresses(api.get("/mailboxes", token)) == [ACCUEIL_B, SECRETARIAT_A, created]
    assert addresses(api.get("/mailboxes", token, query_string={"organisation": ORG_B})) == [
        ACCUEIL_B, created]
    assert api.get(f"/mailboxes/{created}", token).json["name"] == "Standard"
    assert api.get(f"/mailboxes/{ALICE}", token).json["type"] == "PER"

    changed = api.patch(f"/mailboxes/{created}", token,
                        json={"name": "Standard CHU B", "sensitive": True})
    assert changed.status_code == 200, changed.json
    assert (changed.json["name"], changed.json["sensitive"]) == ("Standard CHU B", True)
    assert api.patch(f"/mailboxes/{created}", token, json={}).json == changed.json

    granted = api.call("PUT", f"/mailboxes/{created}/people/{BOB}", token)
    assert granted.json == {"address": created, "person": BOB, "can_open": True,
                            "changed": True}
    assert api.call("PUT", f"/mailboxes/{created}/people/{BOB}", token).json["changed"] is False
    assert api.get(f"/mailboxes/{created}", token).json["people"] == [
        {"address": BOB, "name": "Bob Durand"}]
    granted = api.call("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{BOB}", token)
    assert granted.json["changed"] is True  # an administrator crosses organisations

    revoked = api.call("DELETE", f"/mailboxes/{created}/people/{BOB}", token)
    assert revoked.json == {"address": created, "person": BOB, "can_open": False,
                            "changed": True}
    again = api.call("DELETE", f"/mailboxes/{created}/people/{BOB}", token)
    assert again.status_code == 200 and again.json["changed"] is False

    deleted = api.call("DELETE", f"/mailboxes/{created}", token)
    assert deleted.status_code == 204 and deleted.data == b""
    is_problem(api.get(f"/mailboxes/{created}", token), 404)
    for event in ("created", "updated", "access_granted", "access_revoked", "deleted"):
        assert {e.detail["by"] for e in audit_events(app, f"admin.mailbox_{event}")} == {
            next(e.detail["by"] for e in audit_events(app, "admin.mailbox_created"))}
    assert audit_events(app, "admin.mailbox_deleted")[0].detail["by"].startswith("client:")


@pytest.mark.parametrize("who", ["referent", "referent_service"])
def test_a_referent_manages_their_organisations_mailboxes(app, api, boxes, who):
    token = getattr(boxes, who)
    assert addresses(api.get("/mailboxes", token)) == [SECRETARIAT_A]
    assert addresses(api.get("/mailboxes", token, query_string={"organisation": ORG_A})) == [
        SECRETARIAT_A]
    response = api.post("/mailboxes", token, json={  # their organisation without saying so
        "address": STANDARD_A, "type": "ORG", "name": "Standard"})
    assert response.status_code == 201, response.json
    assert response.json["organisation"] == ORG_A
    assert api.patch(f"/mailboxes/{STANDARD_A}", token,
                     json={"sensitive": True}).json["sensitive"] is True
    assert api.call("PUT", f"/mailboxes/{STANDARD_A}/people/{ALICE}", token).json["changed"]
    granted = api.call("PUT", f"/mailboxes/{ALICE.upper()}/people/ {RITA.upper()}", token)
    assert granted.json == {"address": ALICE, "person": RITA, "can_open": True, "changed": True}
    assert api.call("DELETE", f"/mailboxes/{ALICE}/people/{RITA}", token).json["changed"]
    assert api.get(f"/mailboxes/{STANDARD_A}", token).json["people"] == [
        {"address": ALICE, "name": "Alice Martin"}]
    assert api.call("DELETE", f"/mailboxes/{STANDARD_A}", token).status_code == 204
    [deleted] = audit_events(app, "admin.mailbox_deleted")
    *by_the_fixture, created = audit_events(app, "admin.mailbox_created")
    assert deleted.detail["by"] == created.detail["by"] != by_the_fixture[0].detail["by"]
    assert deleted.detail["by"] == RITA if who == "referent" else (
        deleted.detail["by"].startswith("client:"))


# (method, path, body): a referent of A on B's mailbox, or with B's person.
OUT_OF_REACH = [
    ("GET", f"/mailboxes/{ACCUEIL_B}", None),
    ("GET", f"/mailboxes/{BOB}", None),  # B's personal mailbox
    ("GET", "/mailboxes?organisation=" + ORG_B, None),
    ("POST", "/mailboxes", {"address": "standard@chu-b.mssante.fr", "type": "ORG",
                            "name": "Standard", "organisation": ORG_B}),
    ("PATCH", f"/mailboxes/{ACCUEIL_B}", {"name": "Accueil général"}),
    ("PATCH", f"/mailboxes/{ACCUEIL_B}", {"sensitive": False}),
    ("DELETE", f"/mailboxes/{ACCUEIL_B}", None),
    ("PUT", f"/mailboxes/{ACCUEIL_B}/people/{ALICE}", None),
    ("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{BOB}", None),
    ("PUT", f"/mailboxes/{ALICE}/people/{BOB}", None),
    ("DELETE", f"/mailboxes/{ACCUEIL_B}/people/{BOB}", None),
    ("DELETE", f"/mailboxes/{SECRETARIAT_A}/people/{BOB}", None),
]
OUT_OF_REACH_IDS = [f"{method} {path} {next(iter(body or {}), '')}".strip()
                    for method, path, body in OUT_OF_REACH]


@pytest.mark.parametrize(("method", "path", "body"), OUT_OF_REACH, ids=OUT_OF_REACH_IDS)
@pytest.mark.parametrize("who", ["referent", "referent_service"])
def test_a_referent_cannot_reach_another_organisations_mailbox_or_person(
        app, api, boxes, who, method, path, body):
    before = everything(app)
    response = api.call(method, path, getattr(boxes, who), json=body)
    assert "n'existe pas" in is_problem(response, 404)["detail"]
    assert everything(app) == before


# (method, path, body): every write.
WRITES = [
    ("POST", "/mailboxes", {"address": STANDARD_A, "type": "ORG", "name": "Standard",
                            "organisation": ORG_A}),
    ("PATCH", f"/mailboxes/{SECRETARIAT_A}", {"sensitive": True}),
    ("DELETE", f"/mailboxes/{SECRETARIAT_A}", None),
    ("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}", None),
    ("DELETE", f"/mailboxes/{ACCUEIL_B}/people/{BOB}", None),
]
WRITE_IDS = [f"{method} {path}" for method, path, _body in WRITES]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=WRITE_IDS)
def test_support_reads_every_mailbox_but_changes_nothing(app, api, boxes, method, path, body):
    assert addresses(api.get("/mailboxes", boxes.support)) == [ACCUEIL_B, SECRETARIAT_A]
    assert api.get(f"/mailboxes/{ACCUEIL_B}", boxes.support).json["people"] == [
        {"address": BOB, "name": "Bob Durand"}]
    assert api.get(f"/mailboxes/{ALICE}", boxes.support).json["type"] == "PER"
    before = everything(app)
    is_problem(api.call(method, path, boxes.support, json=body), 403)
    assert everything(app) == before


def test_the_claim_follows_grants_and_the_sensitive_flag(app, api, boxes):
    token = boxes.referent
    assert [m["address"] for m in claim(app, ALICE)] == [ALICE]
    api.patch(f"/mailboxes/{SECRETARIAT_A}", token, json={"sensitive": True})
    api.call("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}", token)
    assert claim(app, ALICE) == [
        {"address": ALICE, "type": "PER", "name": "Alice Martin", "sensitive": False},
        {"address": SECRETARIAT_A, "type": "ORG", "name": "Secrétariat", "sensitive": True},
    ]
    api.patch(f"/mailboxes/{SECRETARIAT_A}", token,
              json={"sensitive": False, "name": "Secrétariat médical"})
    assert claim(app, ALICE)[1] == {"address": SECRETARIAT_A, "type": "ORG",
                                    "name": "Secrétariat médical", "sensitive": False}
    api.call("DELETE", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}", token)
    assert [m["address"] for m in claim(app, ALICE)] == [ALICE]

    assert [m["address"] for m in claim(app, BOB)] == [BOB, ACCUEIL_B]
    assert claim(app, BOB)[1]["sensitive"] is True
    assert api.call("DELETE", f"/mailboxes/{ACCUEIL_B}", boxes.admin).status_code == 204
    assert [m["address"] for m in claim(app, BOB)] == [BOB]
    with app.app_context():  # the five personal mailboxes' owners, nothing else
        assert db.session.scalar(db.select(db.func.count(MailboxAccess.id))) == 5


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), [
    ("POST", "/mailboxes", {"address": "perso@chu-a.mssante.fr", "type": "PER",
                            "name": "Perso", "organisation": ORG_A}, 422, "avec son compte"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "XYZ", "name": "X",
                            "organisation": ORG_A}, 422, "ORG"),
    ("POST", "/mailboxes", {"address": "pas une adresse", "type": "ORG", "name": "X",
                            "organisation": ORG_A}, 422, "valide"),
    ("POST", "/mailboxes", {"address": "x" * 300 + "@chu-a.mssante.fr", "type": "ORG",
                            "name": "X", "organisation": ORG_A}, 422, "valide"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "ORG", "name": "  ",
                            "organisation": ORG_A}, 422, "obligatoire"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "ORG", "name": "x" * 256,
                            "organisation": ORG_A}, 422, "255"),
    ("POST", "/mailboxes", {"address": SECRETARIAT_A, "type": "ORG", "name": "Doublon",
                            "organisation": ORG_A}, 409, "existe déjà"),
    ("POST", "/mailboxes", {"address": ALICE, "type": "ORG", "name": "Alice",
                            "organisation": ORG_A}, 409, "existe déjà"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "ORG", "name": "X"},
     422, "structure"),  # an administrator says which organisation
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "ORG", "name": "X",
                            "organisation": "999"}, 404, "structure"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "name": "X",
                            "organisation": ORG_A}, 422, "manquant : type"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "ORG", "name": "X",
                            "organisation": ORG_A, "people": [ALICE]}, 422, "inconnu"),
    ("POST", "/mailboxes", {"address": "x@chu-a.mssante.fr", "type": "ORG", "name": "X",
                            "organisation": ORG_A, "sensitive": "yes"}, 422, "booléen"),
    ("POST", "/mailboxes", {"address": ["x@chu-a.mssante.fr"], "type": "ORG", "name": "X",
                            "organisation": ORG_A}, 422, "texte"),
    ("POST", "/mailboxes", [SECRETARIAT_A], 422, "objet JSON"),
    ("PATCH", f"/mailboxes/{SECRETARIAT_A}", {"name": ""}, 422, "obligatoire"),
    ("PATCH", f"/mailboxes/{SECRETARIAT_A}", {"name": None}, 422, "texte"),
    ("PATCH", f"/mailboxes/{SECRETARIAT_A}", {"name": "Bien", "sensitive": None}, 422,
     "booléen"),
    ("PATCH", f"/mailboxes/{SECRETARIAT_A}", {"type": "APP"}, 422, "inconnu"),
    ("PATCH", f"/mailboxes/{SECRETARIAT_A}", {"name": "Bien\u0000"}, 422, "NUL"),
    ("PATCH", "/mailboxes/inconnue@chu-a.mssante.fr", {"name": "X"}, 404, "n'existe pas"),
    ("GET", "/mailboxes/inconnue@chu-a.mssante.fr", None, 404, "n'existe pas"),
    ("GET", "/mailboxes/" + "x" * 5000, None, 404, "n'existe pas"),
    ("GET", "/mailboxes?sort=address", None, 422, "inconnu"),
    ("GET", "/mailboxes?organisation=999", None, 404, "structure"),
    ("DELETE", f"/mailboxes/{ALICE}", None, 422, "disparaît avec son compte"),
    ("DELETE", "/mailboxes/inconnue@chu-a.mssante.fr", None, 404, "n'existe pas"),
    ("PUT", f"/mailboxes/{SECRETARIAT_A}/people/personne@chu-a.mssante.fr", None, 404,
     "n'existe pas"),
    ("PUT", f"/mailboxes/inconnue@chu-a.mssante.fr/people/{ALICE}", None, 404, "n'existe pas"),
    ("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}", {"sensitive": True}, 422, "inconnu"),
    ("DELETE", f"/mailboxes/{ALICE}/people/{ALICE}", None, 422, "boîte personnelle"),
])
def test_bad_requests_are_refused_in_french_and_change_nothing(app, api, boxes, method, path,
                                                               body, status, message):
    before = everything(app)
    response = api.call(method, path, boxes.admin, json=body)
    assert message in is_problem(response, status)["detail"]
    assert everything(app) == before


def test_a_body_that_is_not_json_is_refused(app, api, boxes):
    before = everything(app)
    is_problem(api.post("/mailboxes", boxes.admin, data="address=x",
                        content_type="application/x-www-form-urlencoded"), 415)
    is_problem(api.patch(f"/mailboxes/{SECRETARIAT_A}", boxes.admin, data="{not json",
                         content_type="application/json"), 400)
    is_problem(api.call("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}", boxes.admin,
                        data="[" * 100_000 + "]" * 100_000,
                        content_type="application/json"), 400)
    assert everything(app) == before


def test_a_referent_may_not_give_the_platform_staff_access(app, api, boxes):
    before = everything(app)
    for person in (SAM, ADA):
        is_problem(api.call("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{person}",
                            boxes.referent), 404)
    assert everything(app) == before


def test_the_documented_schemas_match_the_answers(app, api, boxes, mail_catcher):
    document = api.get("/openapi.json").json
    schemas = document["components"]["schemas"]

    def keys(name):
        return set(schemas[name]["properties"])

    assert set(api.get(f"/mailboxes/{ACCUEIL_B}", boxes.admin).json) == keys("Mailbox")
    assert set(api.get("/mailboxes", boxes.admin).json["items"][0]) == keys("Mailbox")
    granted = api.call("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}", boxes.admin).json
    assert set(granted) == keys("MailboxAccess")
    report = api.post("/notification-emails/import", boxes.admin, data=VALID,
                      content_type=CSV).json
    assert set(report) == keys("NotificationImport")
    assert set(report["lines"][0]) == keys("ImportLine")
    assert set(report["counts"]) == set(schemas["NotificationImport"]["properties"]["counts"][
        "properties"])
    refused = api.post("/notification-emails/import", boxes.admin,
                       data=VALID + "pas-une-adresse;x@example.org;;;\n", content_type=CSV).json
    assert set(refused) == keys("NotificationImport") | keys("Problem") - {"error"}
    operations = document["paths"][f"{API}/notification-emails/import"]["post"]
    assert set(operations["requestBody"]["content"]) == {"text/csv", "application/octet-stream"}
    assert operations["parameters"][0]["schema"] == {"type": "boolean", "default": False}
    export = document["paths"][f"{API}/notification-emails/export"]["get"]
    assert set(export["responses"]["200"]["content"]) == {"text/csv"}
    assert "content" not in document["paths"][f"{API}/mailboxes/{{address}}"]["delete"][
        "responses"]["204"]


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


def test_a_line_the_mail_server_refuses_is_reported_once_applied(app, api, tokens,
                                                                 refusing_smtp, mail_catcher):
    with app_settings(app, MAIL_PORT=refusing_smtp.port):
        response = post_csv(api, tokens.admin, f"{HEADER}\n{ALICE};alice.new@example.net;;;\n",
                            "true")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["applied"] is True
    assert body["lines"][0]["outcome"] == "rejected"
    assert body["lines"][0]["reason"].startswith("Non appliquée")


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
