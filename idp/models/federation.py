"""Federation aggregate: links between local accounts and people at upstream OpenID providers
(for Pro Santé Connect, the national identifier), and the upstream sign-in behind a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class FederatedIdentity(db.Model):
    """A local account known at an upstream provider as ``subject`` (the value of the
    upstream's identity claim: SubjectNameID for Pro Santé Connect). Never an e-mail address."""

    __tablename__ = "federated_identities"
    __table_args__ = (
        UniqueConstraint("upstream", "subject"),
        UniqueConstraint("user_id", "upstream"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    upstream: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    linked_by: Mapped[str] = mapped_column(String(32))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class UpstreamLogin(db.Model):
    """The upstream sign-in behind a session: its ID token and the upstream's end-session
    endpoint (as its discovery document gave it at sign-in) end the upstream session when the
    person logs out here."""

    __tablename__ = "upstream_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    sso_session_id: Mapped[int] = mapped_column(
        ForeignKey("sso_sessions.id", ondelete="CASCADE"), unique=True
    )
    upstream: Mapped[str] = mapped_column(String(32))
    id_token: Mapped[str] = mapped_column(Text)
    end_session_endpoint: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
