"""Periodic jobs, run by ``idp worker`` (Huey's scheduler, one minute granularity).

Declare each as ``(crontab(...), function)`` in ``PERIODIC``: the function runs in the app
context as one unit of work (committed when it returns).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from huey import crontab

from ..cleanup import remove_expired
from ..extensions import db
from ..jobs.queue import JobQueue

#: (when, what) pairs; ``crontab`` is Huey's (``crontab(minute="0", hour="3")``: each night).
PERIODIC: tuple[tuple[Callable, Callable[[], None]], ...] = (
    # ``idp cleanup`` every 5 minutes: the sessions past their limits end (their clients told
    # by back-channel logout) within 5 minutes, and each run has little to remove.
    (crontab(minute="*/5"), remove_expired),
)

__all__ = ["PERIODIC", "crontab", "register"]


def register(app: Flask, jobs: JobQueue,
             periodic: tuple[tuple[Callable, Callable[[], None]], ...] = PERIODIC) -> None:
    """Give ``jobs`` a periodic task for each of ``periodic``, run in ``app``."""
    for when, function in periodic:
        jobs.tasks[function.__name__] = jobs.huey.periodic_task(
            when, name=function.__name__)(_in_app(app, function))


def _in_app(app: Flask, function: Callable[[], None]):
    """``function`` as one unit of work in ``app``."""

    def run() -> None:
        with app.app_context():
            function()
            db.session.commit()  # a periodic job is an edge: one unit of work

    run.__name__ = function.__name__
    return run
