"""Mailboxes in the JSON admin API (/admin/api/mailboxes), with real tokens: an administrator
acts anywhere, a referent on their organisation's mailboxes and people only (another's
answer 404 and nothing changes), support reads only (403, nothing changes); what is granted
is what the ``mailboxes`` claim lists, and the documented schemas match the answers."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from idp.extensions import db
from idp.models import MailboxAccess

from ..helpers import audit_events
from .api_calls import CSV, everything, is_problem
from .conftest import ADA, ALICE, API, BOB, ORG_A, ORG_B, RITA, SAM
from .test_mailboxes_admin import ACCUEIL_B, SECRETARIAT_A, claim
from .test_notification_csv import VALID

STANDARD_A = "standard@chu-a.mssante.fr"


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
    granted = api.call("PUT", f"/mailboxes/{STANDARD_A.upper()}/people/ {RITA.upper()}", token)
    assert granted.json == {"address": STANDARD_A, "person": RITA, "can_open": True,
                            "changed": True}
    assert api.call("DELETE", f"/mailboxes/{STANDARD_A}/people/{RITA}", token).json["changed"]
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
