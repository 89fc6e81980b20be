"""Who acts in the administration, and on what.

Roles: ``admin`` does everything; ``referent`` manages the accounts and mailboxes of their own
organisation; ``support`` reads accounts, delivery records and the audit trail, everywhere.
Every admin action takes an ``Actor``, checks it here first, and names it in the audit trail.
An account outside a referent's organisation answers NotFound, as an unknown one does: a
referent does not learn which addresses exist elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import Client, Organisation, Role, User

READ, WRITE, ADMIN_ONLY = "read", "write", "admin"
CAN = {
    Role.ADMIN.value: {READ, WRITE, ADMIN_ONLY},
    Role.REFERENT.value: {READ, WRITE},
    Role.SUPPORT.value: {READ},
}
ADMIN_ROLES = tuple(CAN)


@dataclass(frozen=True)
class Actor:
    """Someone (or a service) acting in the administration."""

    role: str
    organisation_id: int | None
    name: str  # in the audit trail: an MSSanté address, "client:<id>" or "cli"
    user_id: int | None = None

    @property
    def limited_to_organisation(self) -> bool:
        """True for a referent: their organisation's data only."""
        return self.role == Role.REFERENT.value


def operator() -> Actor:
    """The person at the ``idp`` console: an operator of the platform, with every right."""
    return Actor(role=Role.ADMIN.value, organisation_id=None, name="cli")


def actor_for_user(user: User) -> Actor | None:
    """The person as an actor, or None when their role gives no admin right (a referent
    without an organisation has none either)."""
    if user.role not in CAN or not user.is_active:
        return None
    if user.role == Role.REFERENT.value and user.organisation_id is None:
        return None
    return Actor(role=user.role, organisation_id=user.organisation_id, name=user.email,
                 user_id=user.id)


def actor_for_client(client: Client) -> Actor | None:
    """A service client of the admin API as an actor, or None without an admin role."""
    if client.admin_role not in CAN or client.disabled:
        return None
    if client.admin_role == Role.REFERENT.value and client.admin_organisation_id is None:
        return None
    return Actor(role=client.admin_role, organisation_id=client.admin_organisation_id,
                 name=f"client:{client.client_id}")


def require(actor: Actor, need: str) -> None:
    """Stop with Forbidden unless ``actor``'s role allows ``need`` (READ, WRITE, ADMIN_ONLY)."""
    if need not in CAN.get(actor.role, set()):
        raise Forbidden("Votre rôle ne permet pas cette action.")


def users_visible_to(actor: Actor) -> Select:
    """A query of the accounts ``actor`` may see."""
    query = db.select(User)
    if actor.limited_to_organisation:
        query = query.where(User.organisation_id == actor.organisation_id)
    return query


def user_for(actor: Actor, address: str, need: str = READ) -> User:
    """The account at ``address`` if ``actor`` may act on it with ``need``; else Forbidden
    or NotFound (see ``check_reach``)."""
    require(actor, need)
    address = (address or "").strip().lower()
    user = db.session.scalar(db.select(User).where(User.email == address))
    check_reach(actor, user, need, f"Le compte « {address} » n'existe pas.")
    return user


def check_reach(actor: Actor, user: User | None, need: str, not_found: str) -> None:
    """The one rule of who acts on whose account and on what is theirs (their personal
    mailbox), for every caller. NotFound (``not_found``) when the account is unknown or out of
    a referent's sight (another organisation's); Forbidden when the role does not allow
    ``need``, or when a referent would change the account of an administrator or a support
    agent: only administrators manage the platform's staff."""
    require(actor, need)
    if user is None or (actor.limited_to_organisation
                        and user.organisation_id != actor.organisation_id):
        raise NotFound(not_found)
    if need != READ and user.role in (Role.ADMIN.value, Role.SUPPORT.value):
        require(actor, ADMIN_ONLY)


def organisation_for(actor: Actor, code: str | None) -> Organisation | None:
    """The organisation ``code`` names, within ``actor``'s reach: a referent's own (the one
    used when they give none); NotFound for another or an unknown one."""
    if actor.limited_to_organisation:
        own = db.session.get(Organisation, actor.organisation_id)
        if code and code != own.code:
            raise NotFound(f"La structure « {code} » n'existe pas.")
        return own
    if not code:
        return None
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.code == code))
    if organisation is None:
        raise NotFound(f"La structure « {code} » n'existe pas.")
    return organisation
