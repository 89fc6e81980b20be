"""Changing a person's notification e-mail: the new address confirms, the old one is told.

The notification e-mail receives sign-in codes and password links, so whoever controls it can
take the account over: a change takes effect only when the single-use link sent to the NEW
address is followed. The link carries a 256-bit random token stored only as its SHA-256 digest,
valid NOTIFICATION_EMAIL_CONFIRM_TTL_SECONDS, consumed by one conditional UPDATE; a newer
request makes the older unconfirmed ones worthless. Until then codes keep going to the current
address, which is told of the request and, later, of the change.

Anyone may ask (the person from the account page, an administrator, the CLI): ``requested_by``
says who, in the audit trail and in the request itself. The e-mails leave from jobs once the
request is saved (``idp worker``): the link first, then, once it has left, the notice to the
current address; a link that cannot be sent after the last retry withdraws the request.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_timedelta, gettext
from sqlalchemy import update

from .. import audit
from ..delivery.channel import Message
from ..delivery.emails import notification_email
from ..delivery.masking import mask
from ..delivery.records import deliver
from ..errors import IdpError, ValidationError
from ..extensions import db
from ..jobs.later import after_commit
from ..jobs.payload import sealed
from ..models import Delivery, NotificationEmailChange, User
from ..models.base import utcnow
from ..security import digest, new_secret
from ..single_use import use_once
from ..urls import public_url
from . import validation


class LinkInvalid(IdpError):
    """The confirmation link is unknown, already used, replaced by a newer one, or expired."""

    def __init__(self):
        super().__init__(gettext("Ce lien de confirmation n'est plus valable : il a déjà servi, "
                                 "a expiré ou a été remplacé par une demande plus récente. "
                                 "Demandez un nouveau changement d'adresse si nécessaire."))


def request_change(user: User, new_address: str, requested_by: str) -> NotificationEmailChange:
    """Ask for ``new_address`` to become ``user``'s notification e-mail: supersede pending
    requests, send the confirmation link to the new address and a notice to the current one,
    audit. Raises ValidationError for an address that cannot be used (nothing changes)."""
    address = validation.email_address(new_address, "adresse de notification")
    if address == user.email:
        raise ValidationError(
            "L'adresse de notification doit être différente de l'adresse MSSanté."
        )
    if address == user.notification_email:
        raise ValidationError(f"« {address} » est déjà l'adresse de notification de ce compte.")
    token = new_secret()
    now = utcnow()
    _withdraw_pending(user, now)
    ttl = timedelta(seconds=current_app.config["NOTIFICATION_EMAIL_CONFIRM_TTL_SECONDS"])
    change = NotificationEmailChange(user_id=user.id, new_address=address, token_hash=digest(token),
                                     requested_by=requested_by, created_at=now,
                                     expires_at=now + ttl)
    db.session.add(change)
    audit.record("notification_email.change_requested", user_id=user.id,
                 requested_by=requested_by, previous=user.notification_email, new=address)
    db.session.flush()
    after_commit("notification_link", change_id=change.id, token=sealed(token))
    return change


def mail_link(change_id: int, token: str) -> Delivery | None:
    """E-mail the confirmation link ``token`` to the new address (a job, once the request
    committed), then ask for the notice to the current address; None, and nothing sent, when
    the request was superseded, confirmed or has expired."""
    change = _unconfirmed(change_id)
    if change is None or change.token_hash != digest(token):
        return None
    user = db.session.get(User, change.user_id)
    sent = deliver(user, "email", _link_message(user, change, token))
    if sent.status != "failed":
        after_commit("notification_requested", change_id=change.id)
    return sent


def mail_requested_notice(change_id: int) -> Delivery | None:
    """Tell the current address that a change was asked for (a job, once the link left);
    None when the request no longer waits."""
    change = _unconfirmed(change_id)
    if change is None:
        return None
    return deliver(db.session.get(User, change.user_id), "email", _requested_notice(change))


def withdraw_unsent(change_id: int) -> None:
    """The link of request ``change_id`` could not be sent, and will not be: withdraw the
    request (audited; the caller commits)."""
    change = _unconfirmed(change_id)
    if change is not None:
        change.expires_at = utcnow()
        audit.record("notification_email.change_withdrawn", user_id=change.user_id,
                     reason="link_not_sent")


def mail_changed_notice(user_id: int, previous: str) -> Delivery:
    """Tell the previous address that it no longer receives codes and links (a job, once the
    change committed)."""
    user = db.session.get(User, user_id)
    return deliver(user, "email", replace(_changed_notice(user), to=previous))


def change_for_link(token: str) -> tuple[NotificationEmailChange, User]:
    """The unconfirmed, unexpired request of link ``token`` and its person, or LinkInvalid
    (audited). Changes nothing: the link's page shows it before the person confirms."""
    change = db.session.scalar(
        db.select(NotificationEmailChange)
        .where(NotificationEmailChange.token_hash == digest(token))
    )
    reason = ("unknown_link" if change is None else "used" if change.confirmed_at
              else "expired" if change.expires_at <= utcnow() else None)
    if reason:
        _audit_failure(change.user_id if change else None, reason)
        raise LinkInvalid()
    return change, db.session.get(User, change.user_id)


def confirm_change(token: str) -> User:
    """Follow link ``token``: use it once, make its address the notification e-mail, audit,
    tell the previous address. Raises LinkInvalid (nothing changes then)."""
    change, user = change_for_link(token)
    if not _consume(change):
        _audit_failure(user.id, "used")
        raise LinkInvalid()
    previous = user.notification_email
    user.notification_email = change.new_address
    audit.record("notification_email.changed", user_id=user.id,
                 requested_by=change.requested_by, previous=previous, new=change.new_address)
    after_commit("notification_changed", user_id=user.id, previous=previous)
    return user


def pending_change(user: User) -> NotificationEmailChange | None:
    """The request waiting for its confirmation, if any (at most one: a newer one supersedes)."""
    return pending_changes([user.id]).get(user.id)


def pending_changes(user_ids) -> dict[int, NotificationEmailChange]:
    """The request waiting for its confirmation of each of these people (one query)."""
    found = {}
    for change in db.session.scalars(
        db.select(NotificationEmailChange)
        .where(NotificationEmailChange.user_id.in_(list(user_ids)),
               NotificationEmailChange.confirmed_at.is_(None),
               NotificationEmailChange.expires_at > utcnow())
        .order_by(NotificationEmailChange.created_at, NotificationEmailChange.id)
    ):
        found[change.user_id] = change  # the newest wins
    return found


def last_code_delivery(user: User) -> Delivery | None:
    """The newest record of a sign-in code e-mailed to the current notification address.

    Delivery records keep only the masked destination ("a***@example.org"), so the records are
    matched on the mask of the current address; two addresses with the same first letter and
    domain share a mask. Records older than the confirmation that made the address current are
    left out, so a code sent to the previous address is not shown as sent to this one (an
    address set before confirmations existed has no such bound). A code is a delivery tied to a
    challenge; links and notices are not codes.
    """
    if not user.notification_email:
        return None
    query = (
        db.select(Delivery)
        .where(Delivery.user_id == user.id, Delivery.channel == "email",
               Delivery.challenge_id.is_not(None),
               Delivery.destination == mask(user.notification_email))
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(1)
    )
    became_current = db.session.scalar(
        db.select(db.func.max(NotificationEmailChange.confirmed_at))
        .where(NotificationEmailChange.user_id == user.id,
               NotificationEmailChange.new_address == user.notification_email)
    )
    if became_current is not None:
        query = query.where(Delivery.created_at >= became_current)
    return db.session.scalar(query)


def _withdraw_pending(user: User, now: datetime) -> None:
    """Make every unconfirmed request of ``user`` worthless (a newer one replaces them)."""
    db.session.execute(
        update(NotificationEmailChange)
        .where(NotificationEmailChange.user_id == user.id,
               NotificationEmailChange.confirmed_at.is_(None),
               NotificationEmailChange.expires_at > now)
        .values(expires_at=now)
    )


def _unconfirmed(change_id: int) -> NotificationEmailChange | None:
    """Request ``change_id`` if it still waits for its confirmation."""
    change = db.session.get(NotificationEmailChange, change_id)
    if change is None or change.confirmed_at or change.expires_at <= utcnow():
        return None
    return change


def _consume(change: NotificationEmailChange) -> bool:
    """Mark the request confirmed, if it still was pending (``use_once``)."""
    return use_once(NotificationEmailChange.confirmed_at, NotificationEmailChange.id == change.id,
                    NotificationEmailChange.expires_at > utcnow())


def _audit_failure(user_id: int | None, reason: str) -> None:
    audit.record("notification_email.confirm_failed", user_id=user_id, reason=reason)
    db.session.commit()  # the refused link stays in the audit trail; its request is refused


def _link_message(user: User, change: NotificationEmailChange, token: str) -> Message:
    """The e-mail to the NEW address with the confirmation link, plain text and HTML."""
    ttl = timedelta(seconds=current_app.config["NOTIFICATION_EMAIL_CONFIRM_TTL_SECONDS"])
    message = notification_email(
        user, gettext("Confirmez votre nouvelle adresse de notification MSSanté"),
        "notification_email_confirm",
        link=public_url("account.notification_email_link", token=token),  # never the Host header
        validity=format_timedelta(ttl), new_address=change.new_address,
    )
    return replace(message, to=change.new_address)


def _requested_notice(change: NotificationEmailChange) -> Message:
    """The e-mail telling the CURRENT address that a change was asked for."""
    user = db.session.get(User, change.user_id)
    return notification_email(
        user, gettext("Changement demandé de votre adresse de notification MSSanté"),
        "notification_email_requested",
        new_address=mask(change.new_address), support=current_app.config["SUPPORT_CONTACT"],
    )


def _changed_notice(user: User) -> Message:
    """The e-mail telling the previous address that it no longer receives codes and links."""
    return notification_email(
        user, gettext("Votre adresse de notification MSSanté a été changée"),
        "notification_email_changed",
        new_address=mask(user.notification_email), support=current_app.config["SUPPORT_CONTACT"],
    )
