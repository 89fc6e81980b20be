"""/healthz says the process answers; /readyz runs the named checks (database, signing keys,
Redis when configured) and answers 503 naming those that fail; neither runs Flask's hooks nor
writes a log line, and neither says more than the names."""

from __future__ import annotations

import json
import os

import pytest
import redis

from idp import create_app

from ..conftest import TEST_SETTINGS
from ..delivery_servers import free_port

#: A Redis server to PING (nothing is written to it).
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_health_answers_without_touching_anything(client, capsys):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok"}
    assert "Set-Cookie" not in answer.headers and "X-Request-ID" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"
    assert "idp.access" not in capsys.readouterr().err  # not logged at every call


def test_ready_when_the_database_and_the_signing_keys_answer(client, capsys):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ready",
                           "checks": ["database", "signing_keys", "redis", "job_queue"]}
    assert client.head("/readyz").status_code == 200
    assert capsys.readouterr().err == ""


def test_probes_accept_only_get_and_head(client):
    for path in ("/healthz", "/readyz"):
        answer = client.post(path)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "GET, HEAD"


def test_not_ready_names_the_failing_checks_and_nothing_of_the_error(tmp_path, capsys):
    """A database that cannot be opened (its path is a folder): the database check fails, and
    with it the signing keys, which are read from it; the answer holds names only, the log the
    error's type."""
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    app = create_app({**TEST_SETTINGS, "DATABASE_URL": f"sqlite:///{folder}"})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"status": "not ready", "failing": ["database", "signing_keys"]}
    assert "not-a-database" not in answer.text
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["message"] for line in logged] == [
        "readiness check database failed: OperationalError",
        "readiness check signing_keys failed: OperationalError"]
    assert all("not-a-database" not in json.dumps(line) for line in logged)


def test_a_postgresql_server_that_is_not_there_makes_the_provider_not_ready():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/absent"
    app = create_app({**TEST_SETTINGS, "DATABASE_URL": url})
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert "database" in answer.json["failing"]


def test_redis_is_checked_when_configured(make_app):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    reachable = make_app(REDIS_URL=REDIS_URL).test_client().get("/readyz")
    assert reachable.status_code == 200
    closed = f"redis://127.0.0.1:{free_port()}/2"
    unreachable = make_app(REDIS_URL=closed).test_client().get("/readyz")
    assert unreachable.status_code == 503
    assert unreachable.json == {"status": "not ready", "failing": ["redis"]}


def test_a_job_queue_that_does_not_answer_makes_the_provider_not_ready(make_app):
    closed = f"redis://127.0.0.1:{free_port()}/1"
    app = make_app(JOB_QUEUE_URL=closed, JOB_QUEUE_IMMEDIATE=False)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"status": "not ready", "failing": ["job_queue"]}
