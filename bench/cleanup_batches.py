"""How long `idp cleanup` holds each batch's locks, by batch size (docs/cleanup.md).

Seeds, in a database of its own, ``--rows`` expired authorization codes, as many tokens in
dead families (two members each) and as many audit events past the retention, beside
``--live`` live rows of each; then runs ``cleanup.remove_expired`` once per batch size, on a
fresh seed each time, and prints per table the number of batches, the total time and the
median and longest batch (from the DELETE to its commit: the time its rows stay locked).

    .venv/bin/python -m bench.cleanup_batches --database cleanup_bench --rows 100000
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections import defaultdict
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import event, insert, text

from idp import create_app
from idp.cleanup import remove_expired
from idp.extensions import db
from idp.models import AuditEvent, AuthorizationCode, Client, Token, User
from idp.models.base import utcnow
from idp.models.oauth import PUBLIC_AUTH_METHOD

from .databases import database_url

CHUNK = 5000
TABLES = ("authorization_codes", "tokens", "audit_events")


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _seed(expired: int, live: int) -> None:
    """Empty the three tables, then write the expired and the live rows."""
    for table in TABLES:
        db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    user = db.session.scalar(db.select(User.id))
    client = db.session.scalar(db.select(Client.client_id))
    now, past = utcnow(), utcnow() - timedelta(days=2)
    codes, tokens, events = [], [], []
    for index in range(expired + live):
        over = index < expired
        moment = past if over else now + timedelta(hours=1)
        codes.append({"code_hash": secrets.token_hex(32), "client_id": client, "user_id": user,
                      "redirect_uri": "https://rp.example.org/cb", "scope": "openid",
                      "acr": "mfa", "amr": [], "auth_time": moment, "expires_at": moment})
        tokens.append({"client_id": client, "user_id": user, "family_id": f"f{index // 2}",
                       "scope": "openid", "access_token_hash": secrets.token_hex(32),
                       "refresh_token_hash": secrets.token_hex(32),
                       "issued_at": past if over else now, "expires_in": 600,
                       "refresh_expires_at": moment})
        events.append({"at": now - timedelta(days=400 if over else 1),
                       "event": "login.password_failed", "detail": {}})
    for model, rows in ((AuthorizationCode, codes), (Token, tokens), (AuditEvent, events)):
        for chunk in _chunks(rows):
            db.session.execute(insert(model.__table__), chunk)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def _measure(batch_size: int) -> dict[str, list[float]]:
    """Run the cleanup; the seconds of each batch, by table."""
    batches: dict[str, list[float]] = defaultdict(list)
    started: dict[str, float] = {}

    def before(_conn, _cursor, statement, *_args):
        if statement.startswith("DELETE FROM"):
            started[statement.split()[2]] = time.perf_counter()

    def committed(_session):
        for table, moment in started.items():
            batches[table].append(time.perf_counter() - moment)
        started.clear()

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.session, "after_commit", committed)
    try:
        remove_expired(batch_size=batch_size)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.session, "after_commit", committed)
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="cleanup_bench")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--live", type=int, default=20_000)
    parser.add_argument("--batch-sizes", default="100,1000,10000,100000")
    options = parser.parse_args()
    app = create_app({"DATABASE_URL": database_url(options.database, options.sqlite)})
    with app.app_context():
        upgrade()
        if db.session.scalar(db.select(User.id)) is None:
            db.session.add(User(email="bench@cleanup.mssante.fr", notification_email="b@e.org"))
            db.session.add(Client(client_id="bench", name="bench", scope="openid",
                                  token_endpoint_auth_method=PUBLIC_AUTH_METHOD))
            db.session.commit()
        print(f"{db.engine.dialect.name}: {options.rows:,} expired and {options.live:,} live "
              "rows per table")
        print("| batch size | table | batches | total s | median batch ms | longest batch ms |")
        print("|---|---|---|---|---|---|")
        for size in (int(value) for value in options.batch_sizes.split(",")):
            _seed(options.rows, options.live)
            started = time.perf_counter()
            batches = _measure(size)
            total = time.perf_counter() - started
            for table in TABLES:
                times = batches[table]
                print(f"| {size:,} | {table} | {len(times)} | {sum(times):.2f} | "
                      f"{statistics.median(times) * 1000:.1f} | {max(times) * 1000:.1f} |")
            print(f"| {size:,} | whole run | | {total:.2f} | | |")


if __name__ == "__main__":
    main()
