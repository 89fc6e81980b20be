"""The record of each attempt of each job (table ``job_attempts``), and the backoff between
attempts: JOB_RETRY_BASE_SECONDS, doubled at each retry, at most JOB_RETRY_MAX_SECONDS."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..extensions import db
from ..models import JobAttempt
from ..models.base import utcnow

DONE, RETRY, GIVEN_UP = "done", "retry", "given_up"


def number_of_next(job_id: str) -> int:
    """The number of the attempt about to start for ``job_id`` (1 for the first)."""
    done = db.session.scalar(
        db.select(db.func.max(JobAttempt.attempt)).where(JobAttempt.job_id == job_id))
    return (done or 0) + 1


def record(task: str, job_id: str, attempt: int, started_at: datetime, outcome: str,
           error: str | None = None) -> None:
    """Save how one attempt ended (committed at once: the record outlives the job)."""
    db.session.add(JobAttempt(task=task, job_id=job_id, attempt=attempt, started_at=started_at,
                              finished_at=utcnow(), outcome=outcome,
                              error=error[:1000] if error else None))
    db.session.commit()  # the worker's own unit of work: one attempt, one record


def backoff_seconds(attempt: int) -> int:
    """How long to wait after failed attempt number ``attempt`` before the next one."""
    config = current_app.config
    return min(config["JOB_RETRY_BASE_SECONDS"] * 2 ** (attempt - 1),
               config["JOB_RETRY_MAX_SECONDS"])

