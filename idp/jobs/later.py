"""Ask for a job from a service: it is queued once the unit of work commits, never before.

A service calls ``after_commit(task, **ids)``; the job leaves when the session's transaction
commits (the edge's one commit, or an early commit such as ``settle_session``'s) and is dropped
when it rolls back, so a refused request sends nothing; a job asked for inside a savepoint
(``begin_nested``) is dropped with the savepoint's rollback. The services never import the tasks:
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
from .queue import job_ended, job_queue

PENDING = "jobs_after_commit"


def after_commit(task: str, **payload: Any) -> None:
    """Queue job ``task`` with ``payload`` (ids, sealed secrets: JSON-like values) when the
    current unit of work commits; the job runs in the language of the current request."""
    payload.setdefault("locale", str(get_locale() or DEFAULT_LOCALE))
    savepoint = db.session().get_nested_transaction()
    db.session.info.setdefault(PENDING, []).append((savepoint, task, payload))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    """The unit of work is saved: queue the jobs it asked for. (SQLAlchemy announces the
    release of a savepoint as a commit too: its jobs wait for the outer commit.)"""
    if session.in_nested_transaction():
        return
    for _savepoint, task, payload in session.info.pop(PENDING, []):
        try:
            job_queue().tasks[task](**payload)
        except Exception:  # the work is committed: a lost job is logged, not a failed request
            current_app.logger.exception("job %s could not be queued", task)
            job_ended(task, failed=True)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    """The unit of work is undone, or one savepoint of it: so are the jobs it asked for."""
    if not previous_transaction.nested:
        session.info.pop(PENDING, None)
    elif PENDING in session.info:
        session.info[PENDING] = [job for job in session.info[PENDING]
                                 if not _within(job[0], previous_transaction)]


def _within(savepoint, undone) -> bool:
    """Whether ``savepoint`` is ``undone`` or a savepoint inside it."""
    while savepoint is not None:
        if savepoint is undone:
            return True
        savepoint = savepoint.parent
    return False
