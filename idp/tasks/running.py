"""Each job of the catalog as a task of the queue: one attempt is one unit of work in the app
context, in the language of the request that asked for it, recorded in ``job_attempts``.

A failed attempt is tried again after ``attempts.backoff_seconds`` (Huey's ``RetryTask``), up
to JOB_MAX_RETRIES retries, read when the attempt ends; then the job is given up: logged,
counted (``queue.job_ended``), recorded, and its ``give_up`` runs.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import force_locale
from huey.exceptions import RetryTask

from ..extensions import db
from ..jobs import attempts
from ..jobs.queue import JobQueue, job_ended
from ..models.base import utcnow
from .catalog import JOBS, AttemptFailed, Job


def register(app: Flask, jobs: JobQueue) -> None:
    """Give ``jobs`` a task for each job of the catalog, run in ``app``."""
    for name, job in JOBS.items():
        jobs.tasks[name] = jobs.huey.task(context=True, name=name)(_attempted(app, name, job))


def _attempted(app: Flask, name: str, job: Job):
    """The task running ``job``: one recorded attempt, then a retry or the end."""

    def attempt(task, locale: str, **payload) -> None:
        with app.app_context(), force_locale(locale):
            number = attempts.number_of_next(task.id)
            started = utcnow()
            try:
                job.run(**payload)
            except AttemptFailed as failure:
                db.session.commit()  # what the attempt recorded (its audit entry) stands
                reason = failure.reason
            except Exception as error:  # noqa: BLE001 - every failure is an attempt's end
                db.session.rollback()
                current_app.logger.exception("job %s failed", name)
                reason = type(error).__name__  # the message might quote a secret
            else:
                db.session.commit()  # the job's unit of work
                attempts.record(name, task.id, number, started, attempts.DONE)
                job_ended(name)
                return
            _failed(name, job, task.id, number, started, reason, payload)

    attempt.__name__ = name
    return attempt


def _failed(name: str, job: Job, job_id: str, number: int, started, reason: str,
            payload: dict) -> None:
    """Record a failed attempt; retry later, or give the job up after its last retry."""
    if number <= current_app.config["JOB_MAX_RETRIES"]:
        attempts.record(name, job_id, number, started, attempts.RETRY, reason)
        raise RetryTask(delay=attempts.backoff_seconds(number))
    current_app.logger.error("job %s %s given up after %d attempts: %s", name, job_id, number,
                             reason)
    job_ended(name, failed=True)
    attempts.record(name, job_id, number, started, attempts.GIVEN_UP, reason)
    if job.give_up is not None:
        job.give_up(**payload)
        db.session.commit()  # the end of the job, saved as its own unit of work

