"""``queued``: the suite's provider with a real queue (a SQLite file of the test) instead of
running each job at once, and ``run_queued`` to run what waits in it, as `idp worker` would;
``redis_db1``: the URL of Redis db 1, emptied before and after the test."""

from __future__ import annotations

import pytest
import redis

from idp.jobs.queue import EXTENSION, JobQueue, build
from idp.tasks import running

REDIS_DB1 = "redis://127.0.0.1:6379/1"


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


@pytest.fixture
def redis_db1():
    """Redis db 1 for the job queue, empty; skipped (failed in CI) without Redis."""
    client = redis.Redis.from_url(REDIS_DB1)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_DB1}")
    yield REDIS_DB1
    client.flushdb()
    client.close()
