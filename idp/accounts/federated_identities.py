"""Links between local accounts and identities at upstream providers (for Pro Santé Connect,
the national identifier). One function per action, used by the CLI, the account page, the
sign-in and the admin area alike; every change is audited. Never linked by e-mail address."""

from __future__ import annotations

from .. import audit
from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import FederatedIdentity, User
from ..models.base import utcnow
from . import validation

PSC = "psc"
MAX_SUBJECT = FederatedIdentity.subject.type.length


def user_for_identity(upstream: str, subject: str) -> User | None:
    """The account linked to ``subject`` at ``upstream``, or None."""
    return db.session.scalar(
        db.select(User).join(FederatedIdentity, FederatedIdentity.user_id == User.id)
        .where(FederatedIdentity.upstream == upstream, FederatedIdentity.subject == subject)
    )


def identity_of(user: User, upstream: str) -> FederatedIdentity | None:
    """``user``'s link at ``upstream``, or None."""
    return db.session.scalar(db.select(FederatedIdentity).where(
        FederatedIdentity.user_id == user.id, FederatedIdentity.upstream == upstream))


def link_identity(user: User, upstream: str, subject: str, linked_by: str) -> FederatedIdentity:
    """Link ``user`` to ``subject`` at ``upstream`` (``linked_by``: who did it, e.g. "cli",
    "self"); the same link again changes nothing. The caller commits."""
    subject = validation.national_identifier(subject) if upstream == PSC else subject.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise ValidationError("Identifiant de l'identité liée invalide.")
    holder = user_for_identity(upstream, subject)
    if holder is not None and holder.id != user.id:
        raise Conflict(f"Cette identité ({subject}) est déjà liée à un autre compte.")
    current = identity_of(user, upstream)
    if current is not None:
        if current.subject == subject:
            return current
        raise Conflict(f"Le compte {user.email} est déjà lié à l'identité {current.subject} : "
                       "supprimez d'abord ce lien.")
    link = FederatedIdentity(user_id=user.id, upstream=upstream, subject=subject,
                             linked_by=linked_by, linked_at=utcnow())
    db.session.add(link)
    audit.record("federation.linked", user_id=user.id, upstream=upstream, subject=subject,
                 linked_by=linked_by)
    return link


def unlink_identity(user: User, upstream: str, unlinked_by: str) -> bool:
    """Remove ``user``'s link at ``upstream``; False when there was none. The caller commits."""
    current = identity_of(user, upstream)
    if current is None:
        return False
    db.session.delete(current)
    audit.record("federation.unlinked", user_id=user.id, upstream=upstream,
                 subject=current.subject, unlinked_by=unlinked_by)
    return True
