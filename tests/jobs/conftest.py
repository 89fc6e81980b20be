"""``queued``: the suite's provider with a real queue (a SQLite file of the test) instead of
running each job at once, and ``run_queued`` to run what waits in it, as `idp worker` would."""

from __future__ import annotations

import pytest

from idp.jobs.queue import EXTENSION, JobQueue, build
from idp.tasks import running


@pytest.fixture
def queued(app, tmp_path) -> JobQueue:
    """The session app's jobs wait in a SQLite file of this test until ``run_queued``."""
    immediate = app.extensions[EXTENSION]
    jobs = build({**app.config, "JOB_QUEUE_IMMEDIATE": False,
                  "JOB_QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}"})
    running.register(app, jobs)
    app.extensions[EXTENSION] = jobs
    yield jobs
    app.extensions[EXTENSION] = immediate


def run_queued(jobs: JobQueue) -> int:
    """Run every job waiting now (not the retries waiting for their time); how many ran."""
    ran = 0
    while (task := jobs.huey.dequeue()) is not None:
        jobs.huey.execute(task)
        ran += 1
    return ran
