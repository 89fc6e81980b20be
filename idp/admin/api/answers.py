"""What the admin API answers, one shape per kind of answer: the routes send their results
through these shapes and the OpenAPI document names them (``components/schemas``), so a
documented answer and a real one hold the same members. The descriptions are the document's
text, in French."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import ConfigDict, Field, create_model

from ...models import MailboxType, Role, UserStatus
from ..notification_csv import LABELS
from .shapes import IN_PLACE, Answer, MaybeMoment, Moment


def _described(text: str) -> dict[str, Any]:
    """A shape's description in the document (class keywords)."""
    return {"json_schema_extra": {"description": text}}


def _one_of(values: Iterable[str]) -> Any:
    """A text among ``values`` (an enumeration's), documented as their list."""
    return Literal[tuple(str(value) for value in values)]


ROLE = _one_of(Role)
USER_STATUS = _one_of(UserStatus)
MAILBOX_TYPE = _one_of(MailboxType)
OUTCOME = _one_of(LABELS)


class Problem(Answer):
    # A problem may carry more members (the report of a refused import).
    model_config = ConfigDict(extra="allow",
                              json_schema_extra={"description": "Problem details (RFC 9457)."})

    type: str = Field(json_schema_extra={"format": "uri-reference"})
    title: str
    status: int
    detail: str = Field(description="Message en français.")
    error: str = Field(None, description="Code d'erreur OAuth d'un problème de jeton.")


class Paged(Answer):
    page: int
    page_size: int
    next_after: str | None = Field(description="Position de la page suivante (paramètre "
                                               "after) ; null sur la dernière page.")
    previous_before: str | None = Field(description="Position de la page précédente "
                                                    "(paramètre before) ; null sur la "
                                                    "première page.")


# --- Accounts -------------------------------------------------------------------------------

class PendingNotificationEmail(Answer, json_schema_extra=IN_PLACE):
    address: str
    expires_at: Moment


class User(Answer, **_described("Un compte (jamais de secret).")):
    address: str
    given_name: str
    family_name: str
    notification_email: str
    phone: str | None
    organisation: str | None
    role: ROLE
    status: USER_STATUS
    has_password: bool
    authenticator: bool
    recovery_codes: int = Field(ge=0)
    psc_national_id: str | None
    locked: bool
    created_at: Moment
    pending_notification_email: PendingNotificationEmail | None = Field(
        description="Adresse en attente de confirmation.")


class UserPage(Paged):
    items: list[User]


class SessionsEnded(Answer, **_described("Sessions terminées.")):
    address: str
    sessions_ended: int


# --- Audit trail and deliveries -------------------------------------------------------------

class AuditEvent(Answer, **_described("Un événement du journal d'audit.")):
    at: Moment
    event: str
    person: str | None
    client_id: str | None
    ip: str | None
    detail: dict | None


class AuditPage(Paged):
    items: list[AuditEvent]


class Delivery(Answer, **_described("L'envoi d'un code ou d'un lien.")):
    at: Moment
    person: str | None
    channel: Literal["email", "sms"]
    destination: str = Field(description="Destination masquée.")
    status: str
    reason: str | None


class DeliveryPage(Paged):
    items: list[Delivery]


# --- Mailboxes ------------------------------------------------------------------------------

class MailboxPerson(Answer, json_schema_extra=IN_PLACE):
    address: str
    name: str


class Mailbox(Answer, **_described("Une boîte aux lettres MSSanté (BAL).")):
    address: str
    type: MAILBOX_TYPE
    name: str
    organisation: str | None
    sensitive: bool
    people: list[MailboxPerson] = Field(description="Les personnes qui peuvent l'ouvrir.")


class MailboxList(Answer):
    items: list[Mailbox]


class MailboxAccess(Answer, **_described("Le droit d'une personne d'ouvrir une boîte, après "
                                         "la requête.")):
    address: str
    person: str
    can_open: bool = Field(description="La personne peut désormais l'ouvrir.")
    changed: bool = Field(description="false : c'était déjà le cas.")


# --- Notification addresses in bulk ---------------------------------------------------------

class ImportLine(Answer, **_described("Le résultat d'une ligne du fichier.")):
    number: int = Field(description="Numéro de ligne (l'en-tête est la 1).")
    address: str
    outcome: OUTCOME
    reason: str = Field(description="Explication en français.")


ImportCounts = create_model("ImportCounts", __base__=Answer,
                            __cls_kwargs__={"json_schema_extra": IN_PLACE},
                            **{outcome: (int, Field(ge=0)) for outcome in LABELS})


class NotificationImport(Answer, **_described("Le compte rendu d'un import, ligne par "
                                              "ligne.")):
    applied: bool = Field(description="false : rien n'a été écrit.")
    summary: str = Field(description="Bilan en français.")
    counts: ImportCounts = Field(description="Nombre de lignes par résultat.")
    lines: list[ImportLine]


# --- Clients --------------------------------------------------------------------------------

class Client(Answer, **_described("Une application cliente (jamais de secret).")):
    client_id: str
    name: str
    grant_types: list[str]
    token_endpoint_auth_method: str
    scope: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    min_acr: str
    first_party: bool
    resource_server: bool
    admin_role: str | None
    admin_organisation: str | None
    disabled: bool
    previous_secret_expires_at: MaybeMoment
    created_at: Moment


class ClientList(Answer):
    items: list[Client]


class RegisteredClient(Client, **_described("Le client créé et son secret, montré une seule "
                                            "fois.")):
    client_secret: str | None


class NewSecret(Answer, **_described("Le nouveau secret, montré une seule fois ; l'ancien "
                                     "reste valable jusqu'à previous_secret_expires_at.")):
    client_id: str
    client_secret: str
    previous_secret_expires_at: MaybeMoment
