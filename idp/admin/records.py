"""What support staff, referents and administrators read: the audit trail and the delivery
records of codes and links (whether and where a message went). A referent reads only what
concerns the people of their organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import ValidationError
from ..extensions import db
from ..models import AuditEvent, Delivery, Organisation, User
from .actors import READ, Actor, require, user_for
from .keyset import FIRST, KeysetPage, Position, read_page

PAGE_SIZE = 100


def audit_trail(actor: Actor, *, person: str | None = None, organisation: str | None = None,
                event: str | None = None, since: datetime | None = None,
                until: datetime | None = None, position: Position = FIRST,
                page: int = 1) -> KeysetPage[AuditEvent]:
    """A page of audit events, newest first, filtered by person (MSSanté address),
    organisation code, event name (a prefix such as "login." works), period; its keys are
    (moment, id)."""
    query = _scoped(actor, db.select(AuditEvent), AuditEvent.user_id, person, organisation)
    if event:
        query = query.where(AuditEvent.event.startswith(event.strip(), autoescape=True))
    query = _period(query, AuditEvent.at, since, until)
    return read_page(query, (AuditEvent.at, AuditEvent.id), lambda row: (row.at, row.id),
                     position, PAGE_SIZE, descending=True, skip=max(1, page) - 1)


def deliveries(actor: Actor, *, person: str | None = None, organisation: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               position: Position = FIRST, page: int = 1) -> KeysetPage[Delivery]:
    """A page of delivery records of codes and links, newest first; its keys are (moment,
    id)."""
    query = _scoped(actor, db.select(Delivery), Delivery.user_id, person, organisation)
    query = _period(query, Delivery.created_at, since, until)
    return read_page(query, (Delivery.created_at, Delivery.id),
                     lambda row: (row.created_at, row.id), position, PAGE_SIZE, descending=True,
                     skip=max(1, page) - 1)


def describe_event(event: AuditEvent, emails: dict[int, str]) -> dict[str, Any]:
    """An audit event as the administration shows it."""
    return {"at": event.at.isoformat(timespec="seconds") + "Z", "event": event.event,
            "person": emails.get(event.user_id), "client_id": event.client_id, "ip": event.ip,
            "detail": event.detail}


def describe_delivery(record: Delivery, emails: dict[int, str]) -> dict[str, Any]:
    """A delivery record as the administration shows it (the destination stays masked)."""
    return {"at": record.created_at.isoformat(timespec="seconds") + "Z",
            "person": emails.get(record.user_id), "channel": record.channel,
            "destination": record.destination, "status": record.status,
            "reason": record.reason}


def emails_of(user_ids) -> dict[int, str]:
    """MSSanté addresses by account id (one query for a whole page)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.email).where(User.id.in_(ids))).all())


def _scoped(actor: Actor, query, user_column, person: str | None, organisation: str | None):
    require(actor, READ)
    if person:
        query = query.where(user_column == user_for(actor, person, READ).id)
    if actor.limited_to_organisation:
        query = query.where(user_column.in_(
            db.select(User.id).where(User.organisation_id == actor.organisation_id)))
    if organisation:
        query = query.where(user_column.in_(
            db.select(User.id).join(Organisation, Organisation.id == User.organisation_id)
            .where(Organisation.code == organisation)))
    return query


def _period(query, column, since: datetime | None, until: datetime | None):
    if since and until and since > until:
        raise ValidationError("La date de début doit précéder la date de fin.")
    if since:
        query = query.where(column >= since)
    if until:
        query = query.where(column <= until)
    return query

