"""Audit trail: one row per security event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class AuditEvent(db.Model):
    """Something security-relevant that happened: who, what, from where, when."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # Newest first, one page at a time from the key of a row (``admin.keyset``).
        Index("ix_audit_events_at_id", "at", "id"),
        # By name or by the start of a name ("login."): pattern order on PostgreSQL, so that
        # LIKE 'login.%' reads the index whatever the database's collation.
        Index("ix_audit_events_event", "event", postgresql_ops={"event": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
