"""Mailboxes (BAL) in the admin API: list, create, read, change and delete an organisation's
organisational (ORG) and applicative (APP) mailboxes, and let a person open one or stop them.
Support reads; a referent acts on their organisation's mailboxes and people (another's answer
404); an administrator acts anywhere. Each route checks the request, then calls the service
function the web area and the CLI call too (``idp.admin.mailboxes``)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from .. import mailboxes as service
from . import bp
from .auth import current_actor
from .schema import NO_FIELDS, Param, flag, read_body, read_query, text

LIST_PARAMS = {
    "organisation": Param("string", "Identifiant de la structure (FINESS...)."),
}
NEW_MAILBOX = {
    "address": text("Adresse MSSanté de la boîte.", required=True),
    "type": text("ORG (organisationnelle) ou APP (applicative) ; une boîte personnelle (PER) "
                 "est créée avec son compte.", required=True),
    "name": text("Nom affiché de la boîte (255 caractères au plus).", required=True),
    "organisation": text("Structure de la boîte (celle du référent par défaut ; obligatoire "
                         "pour un administrateur).", nullable=True),
    "sensitive": flag("L'ouvrir demande un second facteur récent (défaut : false)."),
}
CHANGES = {
    "name": text("Nom affiché de la boîte (255 caractères au plus)."),
    "sensitive": flag("L'ouvrir demande un second facteur récent."),
}


def access_json(address: str, person: str, can_open: bool, changed: bool) -> dict[str, Any]:
    """The answer to a grant or a revoke: whether ``person`` may now open the mailbox, and
    whether this request changed it."""
    return {"address": address.strip().lower(), "person": person.strip().lower(),
            "can_open": can_open, "changed": changed}


@bp.get("/mailboxes")
def list_mailboxes():
    query = read_query(LIST_PARAMS)
    found = service.list_mailboxes(current_actor(), query["organisation"])
    return {"items": [service.describe_mailbox(m) for m in found]}


@bp.post("/mailboxes")
def create_mailbox():
    body = read_body(NEW_MAILBOX)
    created = service.create_mailbox(current_actor(), body["address"], body["type"],
                                     body["name"], organisation=body.get("organisation"),
                                     sensitive=body.get("sensitive", False))
    return (service.describe_mailbox(created), 201,
            {"Location": url_for(".get_mailbox", address=created.address)})


@bp.get("/mailboxes/<address>")
def get_mailbox(address: str):
    return service.describe_mailbox(service.mailbox(current_actor(), address))


@bp.patch("/mailboxes/<address>")
def update_mailbox(address: str):
    """Change what the body names (one service call, so nothing changes when it refuses)."""
    body = read_body(CHANGES)
    return service.describe_mailbox(service.update_mailbox(current_actor(), address, **body))


@bp.delete("/mailboxes/<address>")
def delete_mailbox(address: str):
    service.delete_mailbox(current_actor(), address)
    return "", 204


@bp.put("/mailboxes/<address>/people/<person>")
def grant_access(address: str, person: str):
    """Let ``person`` open the mailbox; asking again changes nothing (``changed`` false)."""
    read_body(NO_FIELDS)
    granted = service.grant(current_actor(), address, person)
    return access_json(address, person, True, granted)


@bp.delete("/mailboxes/<address>/people/<person>")
def revoke_access(address: str, person: str):
    """Stop ``person`` opening the mailbox; when they could not, ``changed`` is false."""
    revoked = service.revoke(current_actor(), address, person)
    return access_json(address, person, False, revoked)
