"""Ask for a job from a service: it is queued once the unit of work commits, never before.

A service calls ``after_commit(task, **ids)``; the job leaves when the session's transaction
commits (the edge's one commit, or an early commit such as ``settle_session``'s) and is dropped
when it rolls back, so a refused request sends nothing. The services never import the tasks:
they name them, and ``tasks.register`` gave each name its function.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from ..extensions import db
from ..i18n import DEFAULT as DEFAULT_LOCALE
from .queue import job_failed, job_queue

PENDING = "jobs_after_commit"


def after_commit(task: str, **payload: Any) -> None:
    """Queue job ``task`` with ``payload`` (ids, sealed secrets: JSON-like values) when the
    current unit of work commits; the job runs in the language of the current request."""
    payload.setdefault("locale", str(get_locale() or DEFAULT_LOCALE))
    db.session.info.setdefault(PENDING, []).append((task, payload))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    """The unit of work is saved: queue the jobs it asked for."""
    for task, payload in session.info.pop(PENDING, []):
        try:
            job_queue().tasks[task](**payload)
        except Exception:  # the work is committed: a lost job is logged, not a failed request
            current_app.logger.exception("job %s could not be queued", task)
            job_failed(task)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    """The unit of work is undone: so are its jobs (a savepoint's rollback keeps them)."""
    if not previous_transaction.nested:
        session.info.pop(PENDING, None)
