"""Audit trail: every security event goes through ``record``.

``record`` adds the event to the current database transaction; the caller commits it together
with the change it describes, so an audited change and its audit row land or fail together.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent


def record(
    event: str, *, user_id: int | None = None, client_id: str | None = None, **detail: Any
) -> AuditEvent:
    """Add an audit event (e.g. ``login.password_failed``) with free-form JSON details."""
    entry = AuditEvent(
        event=event,
        user_id=user_id,
        client_id=client_id,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    db.session.add(entry)
    return entry


def events_for(user_id: int, limit: int = 50) -> list[AuditEvent]:
    """The latest events about one person, newest first."""
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.user_id == user_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
