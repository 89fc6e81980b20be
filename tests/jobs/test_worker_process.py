"""A real `idp serve` and a real `idp worker` sharing a real queue (the SQLite file beside the
database, or Redis db 1): the forgotten-password page answers as fast for a known address as
for an unknown one while the SMTP server is slow, and the e-mail still arrives, through the
worker. The worker tries a refused e-mail again with a growing delay, records each attempt,
counts the job given up in its own metrics, and stops on SIGTERM or SIGINT only once the job
under way is done."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ..delivery_servers import HOST, SLOW_SMTP_SECONDS, free_port
from ..helpers import csrf_token
from ..provider_process import RealProvider, wait_for_line

pytestmark = pytest.mark.slow

PEOPLE = [f"agent{n}@chu-test.mssante.fr" for n in range(3)]
STRANGERS = [f"inconnu{n}@chu-test.mssante.fr" for n in range(3)]
FAST = 1.0  # seconds: an answer that waited for the slow SMTP server would take 3


def provider(folder: Path, smtp_port: int, queue_url: str = "", **settings: str) -> RealProvider:
    """A provider sending mail to ``smtp_port``, its people created, its database migrated."""
    real = RealProvider(folder, MAIL_SERVER=HOST, MAIL_PORT=str(smtp_port),
                        JOB_QUEUE_URL=queue_url, JOB_QUEUE_IMMEDIATE="false", **settings)
    real.run("db", "upgrade")
    for number, email in enumerate(PEOPLE):
        real.run("users", "create", email, "--name", f"Agent {number}", "--notification-email",
                 f"agent{number}@example.org", "--password-stdin",
                 stdin="Une phrase de passe assez longue\n")
    return real


def ask_link(real: RealProvider, username: str) -> float:
    """Ask for a password link on the forgotten-password page; the seconds the POST took."""
    with requests.Session() as browser:
        page = browser.get(real.issuer + "/password/forgot", timeout=10)
        started = time.monotonic()
        answer = browser.post(real.issuer + "/password/forgot", timeout=10,
                              data={"username": username, "csrf_token": csrf_token(page.text)})
        took = time.monotonic() - started
    assert answer.status_code == 200 and "vient d'être envoyé" in answer.text
    return took


def received_by(server, address: str, seconds: float = 30) -> list:
    """The messages ``server`` accepted for ``address``, waiting up to ``seconds`` for one."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [e for e in server.received if address in e.rcpt_tos]
        if found:
            return found
        time.sleep(0.1)
    return []


def attempts(folder: Path) -> list[tuple]:
    """(task, attempt, outcome, started_at, error) of every recorded attempt, in order."""
    with sqlite3.connect(folder / "idp.sqlite3") as database:
        return database.execute("SELECT task, attempt, outcome, started_at, error "
                                "FROM job_attempts ORDER BY id").fetchall()


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_a_known_and_an_unknown_address_answer_as_fast_and_the_mail_comes_from_the_worker(
        tmp_path, slow_smtp, queue, request):
    queue_url = request.getfixturevalue("redis_db1") if queue == "redis" else ""
    real = provider(tmp_path, slow_smtp.port, queue_url)
    with real.serving():
        ask_link(real, STRANGERS[0])  # the first request of a process warms it up
        known = [ask_link(real, email) for email in PEOPLE]
        unknown = [ask_link(real, email) for email in STRANGERS]
        print(f"\n{queue}: known {[round(t, 3) for t in known]} s, "
              f"unknown {[round(t, 3) for t in unknown]} s, SMTP {SLOW_SMTP_SECONDS} s")
        assert max(known + unknown) < FAST
        assert abs(sorted(known)[1] - sorted(unknown)[1]) < 0.25  # medians
        assert slow_smtp.received == []  # nothing was sent inside the requests
        if queue == "sqlite":
            assert (tmp_path / "jobs.sqlite3").exists()  # the queue beside the database

        with real.working():
            mails = [received_by(slow_smtp, f"agent{n}@example.org") for n in range(3)]

    assert all(len(found) == 1 for found in mails)
    assert "/password/reset/" in mails[0][0].content.decode()
    assert [row[:3] for row in attempts(tmp_path)] == [("password_link", 1, "done")] * 3


def test_a_refused_mail_is_tried_again_later_and_given_up_after_the_last_retry(
        tmp_path, refusing_smtp):
    metrics_port = free_port()
    real = provider(tmp_path, refusing_smtp.port, JOB_MAX_RETRIES="2",
                    JOB_RETRY_BASE_SECONDS="1", JOB_WORKER_METRICS_PORT=str(metrics_port))
    real.run("users", "set-notification-email", PEOPLE[0], "agent0@example.net")

    with real.working() as worker:
        deadline = time.monotonic() + 40
        while len(attempts(tmp_path)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert worker.poll() is None
        scraped = requests.get(f"http://{HOST}:{metrics_port}/", timeout=5).text
    jobs = {tuple(sample.labels.values()): sample.value
            for family in text_string_to_metric_families(scraped) if family.name == "idp_jobs"
            for sample in family.samples if sample.name == "idp_jobs_total"}
    assert jobs == {("notification_link", "failed"): 1.0}  # the worker's own count

    rows = attempts(tmp_path)
    assert [row[:3] for row in rows] == [("notification_link", 1, "retry"),
                                         ("notification_link", 2, "retry"),
                                         ("notification_link", 3, "given_up")]
    assert all("550" in row[4] and "agent0@example.net" not in row[4] for row in rows)
    gaps = [_seconds_between(rows[n][3], rows[n + 1][3]) for n in range(2)]
    assert 1 <= gaps[0] < gaps[1] and gaps[1] >= 2  # 1 s, then 2 s: the backoff doubles
    with sqlite3.connect(tmp_path / "idp.sqlite3") as database:
        statuses = database.execute("SELECT status FROM deliveries").fetchall()
        withdrawn = database.execute("SELECT count(*) FROM audit_events WHERE event = "
                                     "'notification_email.change_withdrawn'").fetchone()
    assert statuses == [("failed",)] * 3 and withdrawn == (1,)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_worker_finishes_the_job_under_way_first(tmp_path, slow_smtp, signum):
    real = provider(tmp_path, slow_smtp.port)
    real.run("users", "set-notification-email", PEOPLE[0], "agent0@example.net")
    log = tmp_path / "worker.log"

    with real.working() as worker:
        wait_for_line(worker, log, "Executing")
        worker.send_signal(signum)
        assert worker.wait(timeout=SLOW_SMTP_SECONDS + 15) == 0

    assert len(slow_smtp.received) == 1  # the link left before the worker stopped
    assert [row[:3] for row in attempts(tmp_path)] == [("notification_link", 1, "done")]
    assert "Shutting down gracefully" in log.read_text()


def test_the_worker_refuses_to_start_when_jobs_run_inside_the_requests(tmp_path):
    real = RealProvider(tmp_path, JOB_QUEUE_IMMEDIATE="true")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        real.run("worker")
    assert refused.value.returncode == 1
    assert "JOB_QUEUE_IMMEDIATE est activé" in refused.value.stderr
    assert "Traceback" not in refused.value.stderr


def _seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
