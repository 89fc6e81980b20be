"""One ``idp db upgrade`` at a time on a PostgreSQL database.

Several nodes deployed together may each run ``idp db upgrade``: two runs at once would apply
the same migration twice, and the second would fail half-way. The run holds a PostgreSQL
advisory lock (session level, on the connection that migrates) while it migrates. A second run
waits for it, up to DATABASE_UPGRADE_WAIT_SECONDS, then finds the schema already at the head
and has nothing to do; if the first is still running after that wait, it exits with code 1
and a message, without touching the schema. SQLite has a single writer and needs no lock.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import click
from sqlalchemy.engine import Connection

# Key of the advisory lock: a fixed number that names "the schema is being migrated".
LOCK_KEY = 7_351_024_611
POLL_SECONDS = 0.5


class UpgradeAlreadyRunning(click.ClickException):
    """Another ``idp db upgrade`` held the lock for the whole wait."""


@contextlib.contextmanager
def migrating_alone(connection: Connection, wait_seconds: float) -> Iterator[None]:
    """Hold the migration lock of ``connection``'s database during the block (PostgreSQL);
    wait up to ``wait_seconds`` for another run to end, then raise UpgradeAlreadyRunning."""
    if connection.dialect.name != "postgresql":
        yield
        return
    deadline = time.monotonic() + wait_seconds
    told = False
    while not _try_lock(connection):
        if time.monotonic() >= deadline:
            raise UpgradeAlreadyRunning(
                f"another `idp db upgrade` is still migrating this database after "
                f"{wait_seconds:g} s (DATABASE_UPGRADE_WAIT_SECONDS); nothing was changed. "
                "Run it again once the other one has finished.")
        if not told:
            click.echo(f"Another `idp db upgrade` is migrating this database: waiting for it "
                       f"(up to {wait_seconds:g} s).", err=True)
            told = True
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        connection.rollback()  # a failed migration leaves its transaction to end first
        connection.exec_driver_sql(f"SELECT pg_advisory_unlock({LOCK_KEY})")
        connection.commit()


def _try_lock(connection: Connection) -> bool:
    taken = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({LOCK_KEY})").scalar()
    connection.commit()  # a session-level lock outlives the transaction that took it
    return bool(taken)
