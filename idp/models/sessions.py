"""Sign-in aggregate: single sign-on sessions and pending authorization requests.

These two records are the only meeting point of ``oidc/`` (the protocol) and ``interaction/``
(the sign-in screens): the protocol parks what a client asked for in an ``AuthorizationRequest``,
the screens establish an ``SsoSession`` and hand the request back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .base import utcnow


class SsoSession(db.Model):
    """A person signed in in one browser: who, when, and how strongly (acr, amr).

    ``sid`` is the public session id clients see in ID and logout tokens; it stays the same
    when the same person signs in again. The browser proves the session with a different
    secret (stored as ``secret_hash``), renewed at every sign-in.
    """

    __tablename__ = "sso_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    acr: Mapped[str] = mapped_column(String(16))
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[datetime]
    # The three moments ``idp cleanup`` finds sessions by: past a limit, or ended long ago.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)

    user: Mapped[User] = relationship()
    clients: Mapped[list[SessionClient]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class SessionClient(db.Model):
    """A client that received tokens within a session (told by back-channel logout)."""

    __tablename__ = "session_clients"
    __table_args__ = (UniqueConstraint("session_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sso_sessions.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )


class AuthorizationRequest(db.Model):
    """What a client asked the authorization endpoint, parked while the person signs in.

    ``browser_key`` ties it to the browser session that started it, so another browser cannot
    resume it. ``outcome`` is written by the sign-in screens: an error, or nothing when the
    person signed in (the session then answers for them).
    """

    __tablename__ = "authorization_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    browser_key: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    prompt: Mapped[str] = mapped_column(String(16))
    required_acr: Mapped[str] = mapped_column(String(16), default="mfa")
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    completed_at: Mapped[datetime | None]
