"""Users: creation, lookup and password check (the notification e-mail changes through
``notification_email``)."""

from __future__ import annotations

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import MailboxType, Role, User
from ..models.base import utcnow
from . import lockout, password_policy, validation
from .mailboxes import create_mailbox, grant_access
from .organisations import get_organisation
from .passwords import hash_password, needs_rehash, verify_password


def create_user(
    email: str,
    name: str,
    notification_email: str,
    *,
    phone: str | None = None,
    organisation_code: str | None = None,
    role: str = Role.USER.value,
    password: str | None = None,
) -> User:
    """Create an account, its personal mailbox (PER) and the right to open it."""
    email = validation.email_address(email, "adresse MSSanté")
    notification_email = validation.email_address(notification_email, "adresse de notification")
    if notification_email == email:
        raise ValidationError(
            "L'adresse de notification doit être différente de l'adresse MSSanté."
        )
    given_name, family_name = validation.display_name(name)
    phone = validation.phone_number(phone)
    if role not in {r.value for r in Role}:
        raise ValidationError(f"Rôle inconnu : {role} (user, referent, support ou admin).")
    organisation = get_organisation(organisation_code) if organisation_code else None
    if db.session.scalar(db.select(User.id).where(User.email == email)):
        raise Conflict(f"Le compte « {email} » existe déjà.")
    user = User(
        email=email,
        given_name=given_name,
        family_name=family_name,
        notification_email=notification_email,
        phone=phone,
        role=role,
        organisation_id=organisation.id if organisation else None,
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    create_mailbox(email, MailboxType.PER.value, user.name, organisation)
    grant_access(user, email)
    audit.record("user.created", user_id=user.id, email=email, role=role)
    return user


def get_user(email: str) -> User:
    """The account whose MSSanté address is ``email``, or NotFound."""
    user = find_user(email)
    if user is None:
        raise NotFound(f"Le compte « {email} » n'existe pas.")
    return user


def find_user(email: str) -> User | None:
    """The account whose MSSanté address is ``email``, if any."""
    return db.session.scalar(db.select(User).where(User.email == identifier_of(email)))


def identifier_of(typed: str) -> str:
    """An address as accounts are looked up (and sign-in failures counted): trimmed, lower
    case."""
    return (typed or "").strip().lower()


def check_password(email: str, password: str, device: str | None = None) -> User | None:
    """The active account matching these credentials, or None (one answer for every failure).

    Failures count against the address's strangers' allowance, or against the known browser
    ``device``'s own (``lockout``), whether an account has that address or not. While that
    allowance is blocked, SignInDelayed says until when, before any password is checked, and
    nothing more is counted: the answer is the same, and as fast, for every address.
    """
    identifier = identifier_of(email)
    user = find_user(identifier)
    allowance = lockout.password_allowance(identifier, user.id if user else None, device)
    count = lockout.read(allowance)
    if count.blocked_until is not None:
        audit.record("login.password_failed", user_id=user.id if user else None,
                     reason="blocked", known_device=device is not None)
        raise lockout.SignInDelayed(count.blocked_until)
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        reason = "unknown_user" if user is None else "disabled" if ok else "bad_password"
        audit.record("login.password_failed", user_id=user.id if user else None, reason=reason,
                     known_device=device is not None)
        if not ok:
            lockout.record_failure(allowance)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    lockout.reset(count)
    audit.record("login.password_ok", user_id=user.id)
    return user


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password after checking the policy (the caller commits)."""
    password_policy.enforce(password, user.email)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
