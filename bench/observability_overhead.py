"""`python -m bench.observability_overhead`: what the per-request record (request id, timing,
metrics, access line) and the counters cost the token endpoint, in one process.

One app, the client_credentials grant through Flask's test client; rounds alternate with the
observability hooks on and off (its request hooks, the probe middleware, the audit and token
listeners), each round a fixed number of requests; medians of the CPU time per request and
their spread (min-max); the fastest rounds are the least disturbed by a shared machine. Log
lines go to /dev/null: their formatting is counted, not a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from statistics import median

from sqlalchemy import event
from sqlalchemy.orm import Session

from idp import create_app
from idp.extensions import db
from idp.observability import events, per_request
from idp.oidc.clients import register_client
from idp.oidc.tokens import token_issued

LISTENERS = (("after_flush", events._flushed), ("after_commit", events._committed),
             ("after_rollback", events._rolled_back))


def _provider(database_url: str):
    from flask_migrate import upgrade

    app = create_app({"DATABASE_URL": database_url, "PASSWORD_HASH_MEMORY_KIB": 1024})
    with app.app_context():
        upgrade()
        logging.getLogger().handlers.clear()  # Alembic's console handler: not the provider's
        made = register_client("Bench", grant_type="client_credentials", scope="openid")
        db.session.commit()
        return app, (made.client.client_id, made.client_secret)


def _switch(app, probes, on: bool) -> None:
    """Turn the observability of ``app`` on or off."""
    before = app.before_request_funcs[None]
    after = app.after_request_funcs[None]
    if on and per_request._begin not in before:
        before.insert(0, per_request._begin)
        after.insert(0, per_request._record)
        app.wsgi_app = probes
        token_issued.connect(events.token_issued)
        for name, listener in LISTENERS:
            event.listen(Session, name, listener)
    elif not on and per_request._begin in before:
        before.remove(per_request._begin)
        after.remove(per_request._record)
        app.wsgi_app = probes.wrapped
        token_issued.disconnect(events.token_issued)
        for name, listener in LISTENERS:
            event.remove(Session, name, listener)


def _round(client, credentials, count: int) -> float:
    """CPU milliseconds of this process per token request over ``count`` requests (CPU time:
    other work on a shared machine delays a round without adding to it)."""
    started = time.process_time()
    for _ in range(count):
        answer = client.post("/token", auth=credentials,
                             data={"grant_type": "client_credentials"})
        assert answer.status_code == 200, answer.data
    return (time.process_time() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=300)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, open(os.devnull, "w") as sink:
        url = options.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app, credentials = _provider(url)
        probes = app.wsgi_app
        client = app.test_client()
        times: dict[bool, list[float]] = {True: [], False: []}
        with contextlib.redirect_stderr(sink):
            _round(client, credentials, options.requests)  # warm-up: keys, caches
            for index in range(options.rounds * 2):
                on = index % 4 in (0, 3)  # on, off, off, on: neither side always goes first
                _switch(app, probes, on)
                times[on].append(_round(client, credentials, options.requests))
            _switch(app, probes, True)
    for on in (False, True):
        spread = f"{min(times[on]):.3f}-{max(times[on]):.3f}"
        print(f"observability {'on ' if on else 'off'}: {median(times[on]):.3f} ms/request "
              f"({spread}), {options.rounds} rounds of {options.requests}")
    print(f"difference of the medians: {median(times[True]) - median(times[False]):+.3f} ms, "
          f"of the fastest rounds: {min(times[True]) - min(times[False]):+.3f} ms")


if __name__ == "__main__":
    sys.exit(main())
