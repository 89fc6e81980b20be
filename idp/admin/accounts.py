"""Administration of accounts: one function per action (check the actor, validate, write,
audit with the actor's name), used by the web area, the JSON API and the CLI alike.

No password is ever chosen, shown or sent by an administrator: a new account receives a
single-use link to choose its own, and a reset sends the same kind of link.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload

from .. import audit
from ..accounts import lockout, notification_email, password_reset
from ..accounts.federated_identities import PSC, link_identity, unlink_identity
from ..accounts.users import create_user
from ..accounts.validation import display_name, phone_number
from ..errors import Forbidden, ValidationError
from ..extensions import db
from ..factors import recovery, totp
from ..models import (
    FailureCounter,
    FederatedIdentity,
    NotificationEmailChange,
    Organisation,
    RecoveryCode,
    Role,
    TotpCredential,
    User,
    UserStatus,
)
from ..models.base import utcnow
from ..sessions.sso import end_all_sessions
from .actors import (
    ADMIN_ONLY,
    READ,
    WRITE,
    Actor,
    organisation_for,
    require,
    user_for,
    users_visible_to,
)
from .keyset import FIRST, KeysetPage, Position, read_page

PAGE_SIZE = 50


def list_accounts(actor: Actor, search: str = "", organisation: str | None = None,
                  position: Position = FIRST, page: int = 1) -> KeysetPage[User]:
    """A page of the accounts ``actor`` may see, by MSSanté address, optionally searched and
    filtered, at ``position`` (``page`` > 1 skips pages after it: numbered pages).

    ``search`` is a part of the address or of the family name, taken literally: "%" and "_"
    are characters, not wildcards. On PostgreSQL trigram indexes serve it; on SQLite every
    account is read."""
    require(actor, READ)
    query = users_visible_to(actor).options(joinedload(User.organisation))
    if search:
        term = search.strip().lower()
        query = query.where(db.or_(User.email.contains(term, autoescape=True),
                                   User.family_name.icontains(term, autoescape=True)))
    if organisation:
        query = query.join(Organisation, Organisation.id == User.organisation_id).where(
            Organisation.code == organisation)
    return read_page(query, (User.email,), lambda user: (user.email,), position, PAGE_SIZE,
                     skip=max(1, page) - 1)


def account(actor: Actor, address: str) -> User:
    """One account ``actor`` may see."""
    return user_for(actor, address, READ)


def describe(user: User) -> dict[str, Any]:
    """What the administration shows of an account (never a secret)."""
    return describe_all([user])[0]


def describe_all(users: list[User]) -> list[dict[str, Any]]:
    """``describe`` for a page of accounts, in a handful of queries whatever its length."""
    ids = [user.id for user in users]
    links = dict(db.session.execute(
        db.select(FederatedIdentity.user_id, FederatedIdentity.subject)
        .where(FederatedIdentity.user_id.in_(ids), FederatedIdentity.upstream == PSC)).all())
    authenticators = set(db.session.scalars(
        db.select(TotpCredential.user_id)
        .where(TotpCredential.user_id.in_(ids), TotpCredential.confirmed_at.is_not(None))))
    codes = dict(db.session.execute(
        db.select(RecoveryCode.user_id, db.func.count(RecoveryCode.id))
        .where(RecoveryCode.user_id.in_(ids), RecoveryCode.used_at.is_(None))
        .group_by(RecoveryCode.user_id)).all())
    locked = set(db.session.scalars(
        db.select(FailureCounter.user_id)
        .where(FailureCounter.user_id.in_(ids), FailureCounter.blocked_until > utcnow())))
    return [{
        "address": user.email, "given_name": user.given_name, "family_name": user.family_name,
        "notification_email": user.notification_email, "phone": user.phone,
        "organisation": user.organisation.code if user.organisation else None,
        "role": user.role, "status": user.status,
        "has_password": user.password_hash is not None,
        "authenticator": user.id in authenticators,
        "recovery_codes": codes.get(user.id, 0),
        "psc_national_id": links.get(user.id),
        "locked": user.id in locked,
        "created_at": user.created_at.isoformat(timespec="seconds") + "Z",
    } for user in users]


def create_account(actor: Actor, address: str, name: str, notification_email: str, *,
                   phone: str | None = None, organisation: str | None = None,
                   role: str = Role.USER.value) -> User:
    """Create an account (a referent: in their organisation, role user only); the person
    receives a link to choose their password at their notification address."""
    require(actor, WRITE)
    if role != Role.USER.value:
        require(actor, ADMIN_ONLY)
    home = organisation_for(actor, organisation)
    user = create_user(address, name, notification_email, phone=phone,
                       organisation_code=home.code if home else None, role=role)
    audit.record("admin.account_created", user_id=user.id, by=actor.name)
    password_reset.send_link(user, password_reset.SETUP)
    return user


def update_account(actor: Actor, address: str, *, name: str | None = None,
                   phone: str | None = None, organisation: str | None = None,
                   role: str | None = None) -> User:
    """Change names, mobile number and, for an administrator, organisation and role. Only the
    fields given change (phone "" removes the number). The notification address changes
    through its own confirmation (``accounts.notification_email``)."""
    user = user_for(actor, address, WRITE)
    changed = []
    if name is not None:
        user.given_name, user.family_name = display_name(name)
        changed.append("name")
    if phone is not None:
        user.phone = phone_number(phone)
        changed.append("phone")
    if organisation is not None or role is not None:
        require(actor, ADMIN_ONLY)
    if organisation is not None:
        home = organisation_for(actor, organisation or None)
        user.organisation_id = home.id if home else None
        changed.append("organisation")
    if role is not None:
        if role not in {r.value for r in Role}:
            raise ValidationError(f"Rôle inconnu : {role} (user, referent, support ou admin).")
        user.role = role
        changed.append("role")
    if changed:
        audit.record("admin.account_updated", user_id=user.id, by=actor.name, fields=changed)
    return user


def set_enabled(actor: Actor, address: str, enabled: bool) -> User:
    """Enable or disable an account; disabling ends its sessions (clients are told)."""
    user = user_for(actor, address, WRITE)
    if user.id == actor.user_id and not enabled:
        raise Forbidden("Vous ne pouvez pas désactiver votre propre compte.")
    user.status = UserStatus.ACTIVE.value if enabled else UserStatus.DISABLED.value
    ended = 0 if enabled else end_all_sessions(user.id, "disabled")
    audit.record("admin.account_enabled" if enabled else "admin.account_disabled",
                 user_id=user.id, by=actor.name, sessions_ended=ended)
    return user


def unlock(actor: Actor, address: str) -> User:
    """Clear the password and code failure counters (the growing delays)."""
    user = user_for(actor, address, WRITE)
    lockout.clear_person(user.id, user.email)
    audit.record("admin.account_unlocked", user_id=user.id, by=actor.name)
    return user


def send_password_reset(actor: Actor, address: str) -> User:
    """Send the person a link to choose a new password (their current one keeps working
    until they do)."""
    user = user_for(actor, address, WRITE)
    if not user.is_active:
        raise ValidationError("Ce compte est désactivé : réactivez-le d'abord.")
    audit.record("admin.password_reset_sent", user_id=user.id, by=actor.name)
    password_reset.send_link(user, password_reset.RESET)
    return user


def reset_factors(actor: Actor, address: str) -> User:
    """Take away the authenticator and the recovery codes (a lost phone): the person signs in
    with an e-mailed or SMS code and sets them up again."""
    user = user_for(actor, address, WRITE)
    removed = totp.remove(user)
    revoked = recovery.revoke_all(user)
    audit.record("admin.factors_reset", user_id=user.id, by=actor.name,
                 authenticator_removed=removed, recovery_codes_revoked=revoked)
    return user


def end_sessions(actor: Actor, address: str) -> int:
    """End every session of the person (clients are told by back-channel logout)."""
    user = user_for(actor, address, WRITE)
    ended = end_all_sessions(user.id, "admin")
    audit.record("admin.sessions_ended", user_id=user.id, by=actor.name, count=ended)
    return ended


def set_psc_identity(actor: Actor, address: str, national_id: str | None) -> User:
    """Record the person's Pro Santé Connect national identifier, or remove it (None)."""
    user = user_for(actor, address, WRITE)
    if national_id is not None:
        link_identity(user, PSC, national_id, linked_by=actor.name)
    else:
        unlink_identity(user, PSC, unlinked_by=actor.name)
    return user


def change_notification_email(actor: Actor, address: str,
                              new_address: str) -> NotificationEmailChange:
    """Ask for ``new_address`` to become the account's notification e-mail: a confirmation
    link goes to it and the current address is told; nothing changes until the link is
    followed (``accounts.notification_email``). The web area, the API, the CSV import and the
    CLI all ask here."""
    user = user_for(actor, address, WRITE)
    return notification_email.request_change(user, new_address, requested_by=actor.name)
