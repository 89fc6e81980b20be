"""Password links: a single-use link sent to the notification e-mail, then a new password
(a forgotten password, a reset sent by a referent, or a new account's first password).

The link carries a 256-bit random token stored only as its SHA-256 digest, valid
PASSWORD_RESET_TTL_SECONDS, consumed by one conditional UPDATE. A new link makes the older
unused ones of the person worthless; a request less than RESEND_INTERVAL after the last link is
ignored. The answer never tells whether the account exists: an unknown identifier costs the same
token generation, hashing and database look-up, and the e-mail itself leaves later, from a job
(``idp worker``), so a known address answers in the same time as an unknown one.

A new password ends every session of the person and they are told by e-mail.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from .. import audit
from ..delivery.channel import Message
from ..delivery.emails import notification_email
from ..delivery.records import deliver
from ..errors import IdpError
from ..extensions import db
from ..jobs.later import after_commit
from ..jobs.payload import sealed
from ..models import Delivery, PasswordResetToken, User
from ..models.base import utcnow
from ..security import digest, new_secret
from ..sessions.sso import end_all_sessions
from ..single_use import use_once
from ..urls import public_url
from . import lockout, password_policy
from .users import find_user, set_password

RESEND_INTERVAL = timedelta(seconds=60)
RESET, SETUP = "reset", "setup"
TTL_SETTINGS = {RESET: "PASSWORD_RESET_TTL_SECONDS", SETUP: "PASSWORD_SETUP_TTL_SECONDS"}
MISMATCH = _l("Les deux mots de passe saisis ne sont pas identiques.")


class LinkInvalid(IdpError):
    """The link is unknown, already used, replaced by a newer one, or expired."""

    def __init__(self):
        super().__init__(gettext("Ce lien de changement de mot de passe n'est plus valable : il "
                                 "a déjà servi, a expiré ou a été remplacé par un lien plus "
                                 "récent."))


def request_reset(identifier: str) -> None:
    """Send a reset link to the notification e-mail of the account ``identifier``, if there is
    one that may sign in; otherwise do the same work but send nothing (audited either way)."""
    token = new_secret()
    user = find_user(identifier[:254])
    reason = _reason_to_ignore(user)
    if reason:
        digest(token)  # the same work as for a real account
        audit.record("password.reset_request_ignored", user_id=user.id if user else None,
                     reason=reason)
        return
    send_link(user, RESET, token)


def send_link(user: User, purpose: str = RESET, token: str | None = None) -> None:
    """E-mail ``user`` a single-use link to choose a password: RESET (forgotten, or sent by a
    referent) or SETUP (a new account's first password, valid PASSWORD_SETUP_TTL_SECONDS).
    Older unused links of the person stop working; audited."""
    token = token or new_secret()
    now = utcnow()
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(expires_at=now)
    )
    seconds = current_app.config[TTL_SETTINGS[purpose]]
    link = PasswordResetToken(user_id=user.id, token_hash=digest(token), purpose=purpose,
                              created_at=now, expires_at=now + timedelta(seconds=seconds))
    db.session.add(link)
    db.session.flush()
    audit.record("password.reset_requested" if purpose == RESET else "password.setup_sent",
                 user_id=user.id)
    after_commit("password_link", link_id=link.id, token=sealed(token))


def mail_link(link_id: int, token: str) -> Delivery | None:
    """E-mail link ``token`` (a job, once ``send_link`` committed); None, and nothing sent,
    when the link can no longer be used (used, expired, replaced by a newer one)."""
    link = db.session.get(PasswordResetToken, link_id)
    if link is None or link.used_at or link.expires_at <= utcnow() or \
            link.token_hash != digest(token):
        return None
    user = db.session.get(User, link.user_id)
    seconds = round((link.expires_at - link.created_at).total_seconds())
    return deliver(user, "email", _link_message(user, token, link.purpose, seconds))


def mail_password_changed(user_id: int) -> Delivery:
    """Tell the person their password was changed (a job, once the change committed)."""
    user = db.session.get(User, user_id)
    return deliver(user, "email", _changed_message(user))


def pending_link(token: str) -> tuple[PasswordResetToken, User]:
    """The unused, unexpired link ``token`` and its person, or LinkInvalid (audited)."""
    link = db.session.scalar(
        db.select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token))
    )
    user = db.session.get(User, link.user_id) if link else None
    reason = ("unknown_link" if link is None else "used" if link.used_at
              else "expired" if link.expires_at <= utcnow()
              else "disabled" if not user.is_active else None)
    if reason:
        _audit_failure(user.id if user else None, reason)
        raise LinkInvalid()
    return link, user


def reset_password(token: str, password: str, confirmation: str) -> User:
    """Choose a new password through link ``token``: check the policy, use the link once, end
    every session, forget password failures, tell the person. Raises LinkInvalid, or
    PasswordRefused with every reason (nothing changes then)."""
    link, user = pending_link(token)
    problems = ([str(MISMATCH)] if password != confirmation else []) + \
        password_policy.password_problems(password, user.email)
    if problems:
        _audit_failure(user.id, "mismatch" if password != confirmation else "policy")
        raise password_policy.PasswordRefused(problems)
    if not _consume(link):
        _audit_failure(user.id, "used")
        raise LinkInvalid()
    set_password(user, password)
    lockout.clear_person(user.id, user.email, (lockout.PASSWORD,))
    ended = end_all_sessions(user.id, "password_reset")
    audit.record("password.reset_done", user_id=user.id, sessions_ended=ended)
    after_commit("password_changed", user_id=user.id)
    return user


def _reason_to_ignore(user: User | None) -> str | None:
    """Why no link goes out for this request (None: send one)."""
    if user is None:
        return "unknown_user"
    if not user.is_active:
        return "disabled"
    last = db.session.scalar(
        db.select(db.func.max(PasswordResetToken.created_at))
        .where(PasswordResetToken.user_id == user.id)
    )
    if last is not None and utcnow() - last < RESEND_INTERVAL:
        return "too_soon"
    return None


def _consume(link: PasswordResetToken) -> bool:
    """Mark the link used, if it still was usable (``use_once``)."""
    return use_once(PasswordResetToken.used_at, PasswordResetToken.id == link.id,
                    PasswordResetToken.expires_at > utcnow())


def _audit_failure(user_id: int | None, reason: str) -> None:
    audit.record("password.reset_failed", user_id=user_id, reason=reason)
    db.session.commit()  # the refused link stays in the audit trail; its request is refused


def _link_message(user: User, token: str, purpose: str, seconds: int) -> Message:
    """The e-mail with the link, in the person's language, plain text and HTML."""
    subject = (gettext("Changement de votre mot de passe MSSanté") if purpose == RESET
               else gettext("Votre compte MSSanté : choisissez votre mot de passe"))
    return notification_email(
        user, subject, "password_reset" if purpose == RESET else "password_setup",
        link=public_url("password.reset", token=token),  # never the request's Host header
        minutes=seconds // 60, hours=seconds // 3600,
    )


def _changed_message(user: User) -> Message:
    """The e-mail telling the person their password was changed."""
    return notification_email(
        user, gettext("Votre mot de passe MSSanté a été changé"), "password_changed",
        support=current_app.config["SUPPORT_CONTACT"],
    )
