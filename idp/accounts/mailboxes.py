"""Mailboxes (BAL) and who may open them; feeds the ``mailboxes`` claim."""

from __future__ import annotations

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import Mailbox, MailboxAccess, MailboxType, Organisation, User
from . import validation


def create_mailbox(
    address: str, type_: str, name: str, organisation: Organisation | None = None,
    sensitive: bool = False,
) -> Mailbox:
    """Register a mailbox of a national-directory type (PER, ORG, APP, CAB); the caller commits.
    Opening a ``sensitive`` one needs a second factor younger than the client's max_age."""
    address = validation.email_address(address, "adresse de la boîte")
    if type_ not in MailboxType.__members__:
        raise ValidationError(f"Type de boîte inconnu : {type_} (PER, ORG, APP ou CAB).")
    if db.session.scalar(db.select(Mailbox.id).where(Mailbox.address == address)):
        raise Conflict(f"La boîte « {address} » existe déjà.")
    mailbox = Mailbox(
        address=address,
        type=type_,
        name=(name or address).strip()[:255],
        organisation_id=organisation.id if organisation else None,
        sensitive=sensitive,
    )
    db.session.add(mailbox)
    db.session.flush()
    audit.record("mailbox.created", address=address, type=type_, sensitive=sensitive)
    return mailbox


def grant_access(user: User, address: str) -> None:
    """Let ``user`` open the mailbox at ``address``; the caller commits."""
    mailbox = db.session.scalar(db.select(Mailbox).where(Mailbox.address == address.lower()))
    if mailbox is None:
        raise NotFound(f"La boîte « {address} » n'existe pas.")
    db.session.add(MailboxAccess(user_id=user.id, mailbox_id=mailbox.id))
    audit.record("mailbox.access_granted", user_id=user.id, address=mailbox.address)


def mailboxes_for(user_id: int) -> list[dict[str, str | bool]]:
    """The mailboxes a person may open, as the ``mailboxes`` claim lists them."""
    rows = db.session.scalars(
        db.select(Mailbox)
        .join(MailboxAccess, MailboxAccess.mailbox_id == Mailbox.id)
        .where(MailboxAccess.user_id == user_id)
        .order_by(Mailbox.type != MailboxType.PER.value, Mailbox.address)
    )
    return [{"address": m.address, "type": m.type, "name": m.name, "sensitive": m.sensitive}
            for m in rows]
