"""The job queue of this provider: a Huey instance built from the settings, kept in the app.

JOB_QUEUE_URL empty: a SQLite file beside the SQLite database (``jobs.sqlite3``; in
``instance/`` when the database is PostgreSQL), which every process of one machine shares;
``redis://...``: Redis, for several nodes. JOB_QUEUE_IMMEDIATE runs each job at once, in the
process that asks for it (still only after its commit: ``later``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from redis import ConnectionPool

from ..observability import metrics
from ..settings import PROJECT_ROOT

EXTENSION = "jobs"
NAME = "idp-jobs"  # the Redis keys' prefix, the SQLite queue's name
SQLITE = "sqlite:///"
REDIS_CONNECT_TIMEOUT_SECONDS = 2  # /readyz and the requests must not hang on a lost Redis

@dataclass
class JobQueue:
    """The queue and the tasks it knows, by name (``tasks.register`` fills them in)."""

    huey: Huey
    tasks: dict[str, Any] = field(default_factory=dict)

    def depth(self) -> dict[str, int]:
        """{queue name: jobs waiting to run now}, for the metrics."""
        return {NAME: self.huey.pending_count()}


def install(app: Flask) -> JobQueue:
    """Build the queue from ``app``'s settings and keep it in ``app.extensions``."""
    jobs = build(app.config)
    app.extensions[EXTENSION] = jobs
    metrics.report_queue_depth(jobs.depth)
    return jobs


def build(config: dict[str, Any]) -> JobQueue:
    """A queue, without its tasks, from settings (JOB_QUEUE_URL, JOB_QUEUE_IMMEDIATE,
    DATABASE_URL)."""
    url = config["JOB_QUEUE_URL"]
    common = {"name": NAME, "results": False, "utc": True,
              "immediate": config["JOB_QUEUE_IMMEDIATE"]}
    if url.startswith(("redis://", "rediss://")):
        pool = ConnectionPool.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS)
        return JobQueue(RedisHuey(connection_pool=pool, **common))
    return JobQueue(SqliteHuey(filename=str(_sqlite_file(url, config["DATABASE_URL"])), **common))


def job_queue() -> JobQueue:
    """The current app's queue."""
    return current_app.extensions[EXTENSION]


def pending_count() -> int:
    """How many jobs wait to run now (retries waiting for their time are not counted)."""
    return job_queue().huey.pending_count()


def scheduled_count() -> int:
    """How many jobs wait for a later time (the retries in their backoff)."""
    return job_queue().huey.scheduled_count()


def ping() -> bool:
    """Whether the queue answers (for a readiness check)."""
    try:
        job_queue().huey.pending_count()
    except Exception:  # noqa: BLE001 - any failure of the storage means "not ready"
        return False
    return True


def job_ended(task: str, failed: bool = False) -> None:
    """Count a job that ran to its end (``idp_jobs_total``): done, or failed (given up after
    its last retry, or lost because it could not be queued)."""
    metrics.job_finished(task, failed)


def _sqlite_file(url: str, database_url: str) -> Path:
    """The queue's SQLite file, its folder made if missing: JOB_QUEUE_URL's, else beside a
    SQLite database, else in ``instance/``."""
    if url:
        file = _absolute(url[len(SQLITE):])
    elif database_url.startswith(SQLITE) and ":memory:" not in database_url:
        file = _absolute(database_url[len(SQLITE):]).with_name("jobs.sqlite3")
    else:
        file = PROJECT_ROOT / "instance" / "jobs.sqlite3"
    file.parent.mkdir(parents=True, exist_ok=True)
    return file


def _absolute(path: str) -> Path:
    """A relative path is taken from the project root, as the database's is."""
    return Path(path) if path.startswith("/") else PROJECT_ROOT / path
