"""Administration of mailboxes (BAL): an organisation's organisational (ORG) and applicative
(APP) mailboxes, who may open each (what the ``mailboxes`` claim lists) and whether opening one
asks for a fresh second factor (``sensitive``). One function per action: check the actor,
validate, write, audit with the actor's name.

Personal mailboxes (PER) come and go with their accounts: they are neither created nor deleted
here, only their owner opens them (nobody is let in), and whoever acts on one must be allowed
to act on its owner's account (``actors.check_reach``). A mailbox outside a referent's
organisation answers NotFound, as an unknown one does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from .. import audit
from ..accounts import mailboxes
from ..errors import Forbidden, NotFound, ValidationError
from ..extensions import db
from ..models import Mailbox, MailboxType, Organisation, User
from .actors import READ, WRITE, Actor, check_reach, organisation_for, require, user_for


def list_mailboxes(actor: Actor, organisation: str | None = None) -> list[Mailbox]:
    """The mailboxes other than personal ones that ``actor`` may see (a referent: their
    organisation's), optionally of one organisation, by address."""
    require(actor, READ)
    query = (_visible_to(actor).where(Mailbox.type != MailboxType.PER.value)
             .order_by(Mailbox.address))
    home = organisation_for(actor, organisation)
    if home is not None:
        query = query.where(Mailbox.organisation_id == home.id)
    return list(db.session.scalars(query))


def mailbox(actor: Actor, address: str) -> Mailbox:
    """One mailbox ``actor`` may see (personal ones included)."""
    return _mailbox_for(actor, address, READ)


def may_change(actor: Actor, m: Mailbox) -> bool:
    """Whether ``actor`` may change ``m`` and who opens it (pages offer their forms only then)."""
    try:
        _mailbox_for(actor, m.address, WRITE)
    except (Forbidden, NotFound):
        return False
    return True


def describe_mailbox(m: Mailbox) -> dict[str, Any]:
    """What the administration shows of a mailbox, with the people who may open it."""
    home = db.session.get(Organisation, m.organisation_id) if m.organisation_id else None
    return {
        "address": m.address, "type": m.type, "name": m.name,
        "organisation": home.code if home else None, "sensitive": m.sensitive,
        "people": [{"address": u.email, "name": u.name} for u in mailboxes.holders(m)],
    }


def create_mailbox(actor: Actor, address: str, type_: str, name: str,
                   organisation: str | None = None, sensitive: bool = False) -> Mailbox:
    """Create an organisational or applicative mailbox of an organisation (a referent: theirs,
    the one used when they give none); nobody may open it until access is granted."""
    require(actor, WRITE)
    type_ = (type_ or "").strip().upper()
    if type_ not in mailboxes.SHARED_TYPES:
        raise ValidationError(
            "Seules les boîtes organisationnelles (ORG) et applicatives (APP) se créent ici ; "
            "une boîte personnelle est créée avec son compte."
        )
    home = organisation_for(actor, organisation)
    if home is None:
        raise ValidationError("Indiquez la structure à laquelle la boîte appartient.")
    created = mailboxes.create_mailbox(address, type_, mailboxes.mailbox_name(name), home,
                                       sensitive=bool(sensitive))
    audit.record("admin.mailbox_created", address=created.address, type=type_,
                 organisation=home.code, sensitive=created.sensitive, by=actor.name)
    return created


def update_mailbox(actor: Actor, address: str, *, name: str | None = None,
                   sensitive: bool | None = None) -> Mailbox:
    """Rename a mailbox or change whether opening it asks for a fresh second factor; only the
    fields given change."""
    found = _mailbox_for(actor, address, WRITE)
    changed = []
    if name is not None:
        found.name = mailboxes.mailbox_name(name)
        changed.append("name")
    if sensitive is not None:
        found.sensitive = bool(sensitive)
        changed.append("sensitive")
    if changed:
        audit.record("admin.mailbox_updated", address=found.address, fields=changed,
                     sensitive=found.sensitive, by=actor.name)
    return found


def grant(actor: Actor, address: str, person: str) -> bool:
    """Let ``person`` (an MSSanté address) open an organisational or applicative mailbox;
    False when they already could. A referent: both in their organisation."""
    return _change_access(actor, address, person, mailboxes.grant_access,
                          "admin.mailbox_access_granted")


def revoke(actor: Actor, address: str, person: str) -> bool:
    """Stop ``person`` opening the mailbox; False when they could not. The owner of a
    personal mailbox keeps it (someone let in before the rule can still be taken out).
    A referent: both in their organisation."""
    return _change_access(actor, address, person, mailboxes.revoke_access,
                          "admin.mailbox_access_revoked")


def _change_access(actor: Actor, address: str, person: str, change, event: str) -> bool:
    """Check both the mailbox and the person against ``actor``, apply ``change``
    (``grant_access`` or ``revoke_access``) and audit it when it changed something."""
    found = _mailbox_for(actor, address, WRITE)
    user = user_for(actor, person, WRITE)
    changed = change(user, found.address)
    if changed:
        audit.record(event, user_id=user.id, address=found.address, by=actor.name)
    return changed


def delete_mailbox(actor: Actor, address: str) -> None:
    """Delete an organisational or applicative mailbox; nobody may open it any more."""
    found = _mailbox_for(actor, address, WRITE)
    if found.type not in mailboxes.SHARED_TYPES:
        raise ValidationError(
            "Seules les boîtes organisationnelles (ORG) et applicatives (APP) se suppriment "
            "ici ; une boîte personnelle disparaît avec son compte."
        )
    removed = mailboxes.delete_mailbox(found)
    audit.record("admin.mailbox_deleted", address=found.address, type=found.type,
                 accesses_removed=removed, by=actor.name)


def _visible_to(actor: Actor) -> Select:
    """A query of the mailboxes ``actor`` may see."""
    query = db.select(Mailbox)
    if actor.limited_to_organisation:
        query = query.where(Mailbox.organisation_id == actor.organisation_id)
    return query


def _mailbox_for(actor: Actor, address: str, need: str) -> Mailbox:
    """The mailbox at ``address`` if ``actor`` may act on it with ``need``; else Forbidden
    (role) or NotFound (unknown, or outside the referent's organisation). A personal mailbox
    is its owner's: the rule of the owner's account decides."""
    require(actor, need)
    address = (address or "").strip().lower()
    not_found = f"La boîte « {address} » n'existe pas."
    found = db.session.scalar(db.select(Mailbox).where(Mailbox.address == address))
    if found is not None and found.type == MailboxType.PER.value:
        owner = db.session.scalar(db.select(User).where(User.email == found.address))
        check_reach(actor, owner, need, not_found)
        return found
    if found is None or (actor.limited_to_organisation
                         and found.organisation_id != actor.organisation_id):
        raise NotFound(not_found)
    return found
