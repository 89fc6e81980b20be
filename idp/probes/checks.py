"""The readiness checks, by name, in the order they run: each returns when its piece works and
raises when it does not. Adding one is one line in ``CHECKS``."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from redis import Redis
from sqlalchemy import text

from ..extensions import db
from ..jobs import queue
from ..oidc import keys


def database() -> None:
    """The database answers a query."""
    db.session.execute(text("SELECT 1"))


def signing_keys() -> None:
    """A signing key of every configured algorithm is loaded (and can be decrypted)."""
    ring = keys.key_ring(current_app)
    for alg in current_app.config["SIGNING_ALGS"]:
        ring.signing_key(alg)


def redis() -> None:
    """Redis answers PING, when REDIS_URL is set (the rate-limit counters live there)."""
    url = current_app.config["REDIS_URL"]
    if not url:
        return
    client = current_app.extensions.get("idp_readiness_redis")
    if client is None:
        client = current_app.extensions["idp_readiness_redis"] = Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2)
    client.ping()


def job_queue() -> None:
    """The job queue's storage answers (the SQLite file or Redis of JOB_QUEUE_URL)."""
    if not queue.ping():
        raise ConnectionError("the job queue does not answer")


CHECKS: dict[str, Callable[[], None]] = {
    "database": database,
    "signing_keys": signing_keys,
    "redis": redis,
    "job_queue": job_queue,
}


def failing(checks: dict[str, Callable[[], None]] = CHECKS) -> list[str]:
    """The names of the checks that fail now (each failure logged with its error's type)."""
    failed = []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            current_app.logger.warning("readiness check %s failed: %s", name,
                                       type(error).__name__)
            failed.append(name)
    return failed
