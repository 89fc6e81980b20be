"""The queue as the operators see it: where it lives, its depth and health for monitoring,
the backoff between attempts, the count of jobs given up, and the place of periodic jobs."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import redis
from prometheus_client import REGISTRY

from idp import audit
from idp.accounts.password_reset import request_reset
from idp.extensions import db
from idp.jobs import attempts, queue
from idp.models import AuditEvent, JobAttempt
from idp.tasks import schedule

from ..delivery_servers import app_settings
from ..helpers import as_an_edge


def settings(app, **values) -> dict:
    return {**app.config, "JOB_QUEUE_IMMEDIATE": False, **values}


def test_the_embedded_queue_is_a_sqlite_file_beside_the_sqlite_database(app, tmp_path):
    jobs = queue.build(settings(app, JOB_QUEUE_URL="",
                                DATABASE_URL=f"sqlite:///{tmp_path / 'idp.sqlite3'}"))
    assert jobs.huey.storage.filename == str(tmp_path / "jobs.sqlite3")


def test_with_postgresql_the_embedded_queue_is_made_in_the_instance_folder_even_a_new_one(
        app, tmp_path, monkeypatch):
    monkeypatch.setattr(queue, "PROJECT_ROOT", tmp_path)  # a fresh checkout: no instance/ yet
    jobs = queue.build(settings(app, JOB_QUEUE_URL="",
                                DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1/idp"))
    assert jobs.huey.storage.filename == str(tmp_path / "instance" / "jobs.sqlite3")
    assert jobs.huey.pending_count() == 0


def test_depth_and_health_of_a_sqlite_queue(app, queued):
    with app.app_context():
        assert queue.ping() and queue.pending_count() == 0
        queued.tasks["password_changed"](user_id=1, locale="fr")
        assert queue.pending_count() == 1 and queue.scheduled_count() == 0


def test_a_redis_queue_that_cannot_be_reached_is_not_ready_and_says_so_quickly(
        app, unused_port):
    jobs = queue.build(settings(app, JOB_QUEUE_URL=f"redis://127.0.0.1:{unused_port}/1"))
    kept = app.extensions[queue.EXTENSION]
    app.extensions[queue.EXTENSION] = jobs
    try:
        with app.app_context():
            started = time.monotonic()
            assert queue.ping() is False
            assert time.monotonic() - started < queue.REDIS_CONNECT_TIMEOUT_SECONDS + 1
    finally:
        app.extensions[queue.EXTENSION] = kept


def test_depth_and_health_of_a_redis_queue(app, redis_db1):
    client = redis.Redis.from_url(redis_db1)
    jobs = queue.build(settings(app, JOB_QUEUE_URL=redis_db1))
    kept = app.extensions[queue.EXTENSION]
    app.extensions[queue.EXTENSION] = jobs
    try:
        with app.app_context():
            assert queue.ping() and queue.pending_count() == 0
            jobs.huey.enqueue(jobs.huey.task(name="noop")(lambda: None).s())
            assert queue.pending_count() == 1
            assert client.llen("huey.redis.idpjobs") == 1  # the queue's own key, in db 1
    finally:
        app.extensions[queue.EXTENSION] = kept
        client.close()


def test_the_backoff_doubles_from_the_base_up_to_the_cap(app):
    with app.app_context(), app_settings(app, JOB_RETRY_BASE_SECONDS=15,
                                         JOB_RETRY_MAX_SECONDS=900):
        waits = [attempts.backoff_seconds(number) for number in range(1, 9)]
    assert waits == [15, 30, 60, 120, 240, 480, 900, 900]


def test_a_job_given_up_is_counted_logged_and_recorded(app, actors, refusing_smtp, caplog):
    actors.user()
    failed = {"job": "password_link", "outcome": "failed"}
    before = REGISTRY.get_sample_value("idp_jobs_total", failed) or 0

    with app_settings(app, MAIL_PORT=refusing_smtp.port, JOB_MAX_RETRIES=0):
        as_an_edge(app, request_reset, "alice.martin@chu-test.mssante.fr")

    assert REGISTRY.get_sample_value("idp_jobs_total", failed) == before + 1
    assert "job password_link" in caplog.text and "given up after 1 attempts" in caplog.text
    with app.app_context():
        [attempt] = db.session.scalars(db.select(JobAttempt)).all()
    assert attempt.outcome == "given_up" and attempt.error.startswith("delivery failed: SMTP 550")


def test_a_periodic_job_declared_in_the_schedule_runs_as_one_unit_of_work(app, queued):
    def mark_the_night() -> None:
        audit.record("test.periodic_ran")

    schedule.register(app, queued, periodic=((schedule.crontab(minute="0", hour="3"),
                                              mark_the_night),))

    due = queued.huey.read_periodic(datetime(2026, 12, 7, 3, 0))
    assert [task.name for task in due] == ["mark_the_night"]
    assert queued.huey.read_periodic(datetime(2026, 12, 7, 3, 1)) == []
    queued.huey.execute(due[0])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))
                                 .where(AuditEvent.event == "test.periodic_ran")) == 1



def test_the_worker_runs_the_cleanup_every_five_minutes(app, queued):
    schedule.register(app, queued)

    due = queued.huey.read_periodic(datetime(2026, 12, 7, 3, 5))
    assert [task.name for task in due] == ["remove_expired"]
    assert queued.huey.read_periodic(datetime(2026, 12, 7, 3, 6)) == []
    with app.app_context():
        audit.record("test.long_ago")
        db.session.commit()
        event = db.session.scalars(db.select(AuditEvent)).one()
        event.at = event.at - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 1)
        db.session.commit()
    queued.huey.execute(due[0])
    with app.app_context():
        assert [e.event for e in db.session.scalars(db.select(AuditEvent))] == [
            "cleanup.removed"]
