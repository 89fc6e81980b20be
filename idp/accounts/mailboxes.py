"""Mailboxes (BAL) and who may open them; feeds the ``mailboxes`` claim."""

from __future__ import annotations

from sqlalchemy import delete

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import Mailbox, MailboxAccess, MailboxType, Organisation, User
from . import validation

#: The mailboxes that are shared: organisational (ORG) and applicative (APP). A personal one
#: (PER) is opened by its owner only.
SHARED_TYPES = (MailboxType.ORG.value, MailboxType.APP.value)


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


def mailbox_name(value: str) -> str:
    """A mailbox's display name, trimmed, or ValidationError when empty or too long."""
    name = (value or "").strip()
    if not name or len(name) > 255:
        raise ValidationError("Le nom de la boîte est obligatoire (255 caractères au plus).")
    return name


def get_mailbox(address: str) -> Mailbox:
    """The mailbox at ``address``, or NotFound."""
    mailbox = db.session.scalar(
        db.select(Mailbox).where(Mailbox.address == (address or "").strip().lower()))
    if mailbox is None:
        raise NotFound(f"La boîte « {address} » n'existe pas.")
    return mailbox


def grant_access(user: User, address: str) -> bool:
    """Let ``user`` open the mailbox at ``address`` (False when they already could): a
    shared one, or their own personal mailbox. The caller commits."""
    mailbox = get_mailbox(address)
    owns = mailbox.type == MailboxType.PER.value and mailbox.address == user.email
    if mailbox.type not in SHARED_TYPES and not owns:
        raise ValidationError(
            f"« {mailbox.address} » n'est pas une boîte partagée : seules les boîtes "
            "organisationnelles (ORG) et applicatives (APP) s'ouvrent à d'autres personnes ; "
            "une boîte personnelle n'est ouverte que par son titulaire."
        )
    if _access(user, mailbox) is not None:
        return False
    db.session.add(MailboxAccess(user_id=user.id, mailbox_id=mailbox.id))
    audit.record("mailbox.access_granted", user_id=user.id, address=mailbox.address)
    return True


def revoke_access(user: User, address: str) -> bool:
    """Stop ``user`` opening the mailbox at ``address`` (False when they could not); nobody
    loses their own personal mailbox, which goes with the account. The caller commits."""
    mailbox = get_mailbox(address)
    if mailbox.type == MailboxType.PER.value and mailbox.address == user.email:
        raise ValidationError(
            f"« {mailbox.address} » est la boîte personnelle de ce compte : "
            "son titulaire garde toujours le droit de l'ouvrir."
        )
    access = _access(user, mailbox)
    if access is None:
        return False
    db.session.delete(access)
    audit.record("mailbox.access_revoked", user_id=user.id, address=mailbox.address)
    return True


def holders(mailbox: Mailbox) -> list[User]:
    """The people who may open ``mailbox``, by address."""
    return list(db.session.scalars(
        db.select(User)
        .join(MailboxAccess, MailboxAccess.user_id == User.id)
        .where(MailboxAccess.mailbox_id == mailbox.id)
        .order_by(User.email)
    ))


def delete_mailbox(mailbox: Mailbox) -> int:
    """Remove ``mailbox`` and everyone's right to open it; returns how many people had it.
    The caller commits."""
    removed = db.session.execute(
        delete(MailboxAccess).where(MailboxAccess.mailbox_id == mailbox.id)).rowcount
    db.session.delete(mailbox)
    audit.record("mailbox.deleted", address=mailbox.address, type=mailbox.type,
                 accesses_removed=removed)
    return removed


def _access(user: User, mailbox: Mailbox) -> MailboxAccess | None:
    return db.session.scalar(db.select(MailboxAccess).where(
        MailboxAccess.user_id == user.id, MailboxAccess.mailbox_id == mailbox.id))


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
