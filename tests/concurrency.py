"""Requests that really race: each in its own thread, with its own test client (its own app
context and database session), all released together by a barrier, so their conditional
UPDATEs meet in the database. On SQLite by default, on PostgreSQL when IDP_TEST_DATABASE_URL
points at it (as in CI)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

THREADS = 8


def race(app, make_request: Callable[[Any], Any], threads: int = THREADS,
         prepare: Callable[[Any], None] | None = None) -> list:
    """Run ``make_request(browser)`` in ``threads`` threads released at the same instant; each
    browser is first given to ``prepare`` (e.g. to carry one person's session cookie)."""
    barrier = threading.Barrier(threads)

    def attempt(_):
        browser = app.test_client()
        if prepare is not None:
            prepare(browser)
        barrier.wait(timeout=60)
        return make_request(browser)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(attempt, range(threads)))


def carrying_session_of(browser) -> Callable[[Any], None]:
    """A ``prepare`` that gives each racer the session cookie of ``browser``: the same person,
    the same sign-in step, the same CSRF token, in several tabs at once."""
    name = browser.application.config["SESSION_COOKIE_NAME"]
    cookie = browser.get_cookie(name)
    return lambda racer: racer.set_cookie(name, cookie.value)
