"""The webmail's own data: mailboxes it has opened, their messages, sign-in sessions and the
back-channel logout tokens already received."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

FOLDERS = ("Inbox", "Sent")


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (as SQLite stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


class OpenedMailbox(db.Model):
    """A mailbox the webmail has opened once (and greeted with a welcome message). Which
    mailboxes a person may open, and which are sensitive, comes from the provider's claim."""

    __tablename__ = "opened_mailboxes"
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Message(db.Model):
    """One copy of a message, in one folder of one mailbox."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(320), index=True)
    folder: Mapped[str] = mapped_column(String(10))
    sender: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read: Mapped[bool] = mapped_column(Boolean, default=False)


class WebmailSession(db.Model):
    """A signed-in browser: the browser holds only ``id``; tokens stay here."""

    __tablename__ = "webmail_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True,
                                    default=lambda: secrets.token_urlsafe(32))
    sub: Mapped[str] = mapped_column(String(255), index=True)
    sid: Mapped[str | None] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    mailboxes: Mapped[list] = mapped_column(JSON)
    auth_time: Mapped[int] = mapped_column(Integer)
    id_token: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[int] = mapped_column(Integer)


class ReceivedLogoutToken(db.Model):
    """The ``jti`` of a back-channel logout token acted on, kept until the token expires so
    that the same token sent again is refused."""

    __tablename__ = "received_logout_tokens"
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
