"""What the JSON admin API says when it refuses a request's form: a 422 problem whose French
detail names the field or parameter and what it expects, never the checking library's own
English, and nothing changes."""

from __future__ import annotations

import pytest

from .api_calls import is_problem
from .conftest import ALICE
from .test_api_users import NEW, snapshot

BODIES = [
    ("POST", "/users", {**NEW, "password": "x", "admin": True},
     "Champ inconnu : admin, password."),
    ("POST", "/users", {"name": "Carla Petit"},
     "Champ obligatoire manquant : address, notification_email."),
    ("POST", "/users", {**NEW, "name": True}, "Valeur invalide pour « name » : texte attendu."),
    ("POST", "/users", {**NEW, "phone": 612345678},
     "Valeur invalide pour « phone » : texte ou null attendu."),
    ("POST", "/users", {**NEW, "name": "Carla\u0000"},
     "Valeur invalide pour « name » : caractère NUL ou imbrication excessive."),
    ("PATCH", f"/users/{ALICE}", {"name": None}, "Valeur invalide pour « name » : texte attendu."),
    ("POST", "/clients", {"name": "X", "redirect_uris": ["https://x.example.org/cb", 1]},
     "Valeur invalide pour « redirect_uris » : liste de textes attendu."),
    ("POST", "/clients", {"name": "X", "first_party": 1},
     "Valeur invalide pour « first_party » : booléen (true ou false) attendu."),
    ("POST", "/clients", {"name": "X", "jwks": 7},
     "Valeur invalide pour « jwks » : objet JSON ou texte ou null attendu."),
    ("POST", "/clients", {"name": "X", "jwks": {"keys": [{"kid": "\u0000"}]}},
     "Valeur invalide pour « jwks » : caractère NUL ou imbrication excessive."),
]
QUERIES = [
    ("/users?page=%2B1", "« page » doit être un entier entre 1 et 1000000."),
    ("/users?page=1_0", "« page » doit être un entier entre 1 et 1000000."),
    ("/users?page=1000001", "« page » doit être un entier entre 1 et 1000000."),
    ("/users?search=" + "x" * 1025, "« search » est trop long (1024 caractères au plus)."),
    ("/users?sort=name&pgae=2", "Paramètre inconnu : pgae, sort."),
    ("/audit?until=1700000000", "« until » doit être une date ISO 8601, par exemple 2025-01-31 "
                                "ou 2025-01-31T08:00:00Z."),
    ("/notification-emails/export?organisation=1&organisation=2",
     "Paramètre répété : organisation."),
]


@pytest.mark.parametrize(("method", "path", "body", "detail"), BODIES,
                         ids=[detail for *_, detail in BODIES])
def test_a_refused_body_is_named_in_french(app, api, world, tokens, method, path, body,
                                           detail):
    before = snapshot(app, ALICE)
    assert is_problem(api.call(method, path, tokens.admin, json=body), 422)["detail"] == detail
    assert snapshot(app, ALICE) == before


@pytest.mark.parametrize(("path", "detail"), QUERIES, ids=[detail for _, detail in QUERIES])
def test_a_refused_query_parameter_is_named_in_french(api, world, tokens, path, detail):
    assert is_problem(api.get(path, tokens.admin), 422)["detail"] == detail


def test_a_query_parameter_is_read_as_documented(api, world, tokens):
    assert api.get("/users?page=02", tokens.admin).json["page"] == 2
    assert api.get("/users?search=%20%20", tokens.admin).status_code == 200  # blank: no filter
    day = api.get("/audit", tokens.admin).json["items"][0]["at"][:10]
    assert api.get(f"/audit?since={day}&until={day}", tokens.admin).json["items"]
