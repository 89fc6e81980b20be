"""Mailboxes (BAL) in the admin API: list, create, read, change and delete an organisation's
organisational (ORG) and applicative (APP) mailboxes, and let a person open one or stop them.
Support reads; a referent acts on their organisation's mailboxes and people (another's answer
404); an administrator acts anywhere. Each route checks the request, then calls the service
function the web area and the CLI call too (``idp.admin.mailboxes``)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from pydantic import Field

from .. import mailboxes as service
from . import answers
from .auth import current_actor
from .operations import operation
from .shapes import Body, NoBody, Query, QueryText, Text

MAILBOXES = "Boîtes aux lettres"
MAILBOX = {"address": "Adresse MSSanté de la boîte."}
PERSON = {**MAILBOX, "person": "Adresse MSSanté de la personne."}
NAME = "Nom affiché de la boîte (255 caractères au plus)."


class MailboxFilters(Query):
    organisation: QueryText = Field(None, description="Identifiant de la structure "
                                                      "(FINESS...).")


class NewMailbox(Body):
    address: Text = Field(description="Adresse MSSanté de la boîte.")
    type: Text = Field(description="ORG (organisationnelle) ou APP (applicative) ; une boîte "
                                   "personnelle (PER) est créée avec son compte.")
    name: Text = Field(description=NAME)
    organisation: Text | None = Field(None, description="Structure de la boîte (celle du "
                                                        "référent par défaut ; obligatoire pour "
                                                        "un administrateur).")
    sensitive: bool = Field(False, description="L'ouvrir demande un second facteur récent "
                                               "(défaut : false).")


class MailboxChanges(Body):
    name: Text = Field(None, description=NAME)
    sensitive: bool = Field(None, description="L'ouvrir demande un second facteur récent.")


def access_json(address: str, person: str, can_open: bool, changed: bool) -> dict[str, Any]:
    """The answer to a grant or a revoke: whether ``person`` may now open the mailbox, and
    whether this request changed it."""
    return {"address": address.strip().lower(), "person": person.strip().lower(),
            "can_open": can_open, "changed": changed}


@operation("GET", "/mailboxes", "Lister les boîtes organisationnelles et applicatives visibles",
           tag=MAILBOXES, query=MailboxFilters, answer=answers.MailboxList, errors=(404,))
def list_mailboxes(query: MailboxFilters):
    found = service.list_mailboxes(current_actor(), query.organisation)
    return {"items": [service.describe_mailbox(m) for m in found]}


@operation("POST", "/mailboxes", "Créer une boîte organisationnelle ou applicative",
           tag=MAILBOXES, body=NewMailbox, answer=answers.Mailbox, status=201,
           errors=(404, 409), description="Personne ne peut l'ouvrir avant qu'un accès soit "
                                          "donné.")
def create_mailbox(body: NewMailbox):
    created = service.create_mailbox(current_actor(), body.address, body.type, body.name,
                                     organisation=body.organisation, sensitive=body.sensitive)
    return (service.describe_mailbox(created),
            {"Location": url_for(".get_mailbox", address=created.address)})


@operation("GET", "/mailboxes/<address>", "Lire une boîte (personnelle aussi)", tag=MAILBOXES,
           path=MAILBOX, answer=answers.Mailbox, errors=(404,))
def get_mailbox(address: str):
    return service.describe_mailbox(service.mailbox(current_actor(), address))


@operation("PATCH", "/mailboxes/<address>", "Modifier une boîte", tag=MAILBOXES, path=MAILBOX,
           body=MailboxChanges, answer=answers.Mailbox, errors=(404,),
           description="Seuls les champs donnés changent.")
def update_mailbox(address: str, body: MailboxChanges):
    """Change what the body names (one service call, so nothing changes when it refuses)."""
    return service.describe_mailbox(service.update_mailbox(current_actor(), address,
                                                           **body.sent()))


@operation("DELETE", "/mailboxes/<address>",
           "Supprimer une boîte organisationnelle ou applicative", tag=MAILBOXES, path=MAILBOX,
           status=204, errors=(404, 422),
           description="Plus personne ne peut l'ouvrir ; une boîte personnelle disparaît avec "
                       "son compte (422).")
def delete_mailbox(address: str):
    service.delete_mailbox(current_actor(), address)


@operation("PUT", "/mailboxes/<address>/people/<person>",
           "Permettre à une personne d'ouvrir la boîte", tag=MAILBOXES, path=PERSON,
           body=NoBody, answer=answers.MailboxAccess, errors=(404, 422),
           description="Boîtes organisationnelles et applicatives seulement : une boîte "
                       "personnelle n'est ouverte que par son titulaire (422). Sans effet si "
                       "elle le pouvait déjà (changed : false).")
def grant_access(address: str, person: str):
    """Let ``person`` open the mailbox; asking again changes nothing (``changed`` false)."""
    granted = service.grant(current_actor(), address, person)
    return access_json(address, person, True, granted)


@operation("DELETE", "/mailboxes/<address>/people/<person>",
           "Retirer à une personne le droit d'ouvrir la boîte", tag=MAILBOXES, path=PERSON,
           answer=answers.MailboxAccess, errors=(404, 422),
           description="Sans effet si elle ne le pouvait pas (changed : false) ; le titulaire "
                       "d'une boîte personnelle la garde (422).")
def revoke_access(address: str, person: str):
    """Stop ``person`` opening the mailbox; when they could not, ``changed`` is false."""
    revoked = service.revoke(current_actor(), address, person)
    return access_json(address, person, False, revoked)
