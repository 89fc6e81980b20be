"""`idp db upgrade` migrates a PostgreSQL database alone: a second run waits for the first
(real `idp` processes; the test holds the advisory lock as a first run would), then finds
nothing to do, or gives up after DATABASE_UPGRADE_WAIT_SECONDS with a message, having
changed nothing."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

from idp.cli.upgrade_lock import LOCK_KEY

from .provider_process import IDP, RealProvider
from .refusable_database import RefusableDatabase, own_database

pytestmark = pytest.mark.slow

WAITING = "Another `idp db upgrade` is migrating this database: waiting for it"


@pytest.fixture
def database() -> Iterator[RefusableDatabase]:
    with own_database("_upgrade") as created:
        yield created


@pytest.fixture
def held_lock(database) -> Iterator[Connection]:
    """The lock a first `idp db upgrade` holds while it migrates."""
    engine = create_engine(database.url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                  {"key": LOCK_KEY}).scalar()
        connection.commit()
        yield connection
    engine.dispose()


@pytest.fixture
def upgrade(tmp_path, database) -> Iterator:
    """Start `idp db upgrade` on the database, its output in ``tmp_path / log``; a run still
    going when the test ends is killed."""
    runs = []

    def start(wait: int, log: str) -> subprocess.Popen:
        real = RealProvider(tmp_path, DATABASE_URL=database.url,
                            DATABASE_UPGRADE_WAIT_SECONDS=str(wait))
        with (tmp_path / log).open("w") as sink:
            runs.append(subprocess.Popen([str(IDP), "db", "upgrade"], env=real.env, cwd=tmp_path,
                                         stdout=sink, stderr=subprocess.STDOUT, text=True))
        return runs[-1]

    yield start
    for run in runs:
        if run.poll() is None:
            run.kill()
            run.wait()


def migrated_to(database: RefusableDatabase) -> str | None:
    """The revision the database's schema is at (None: never migrated)."""
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def head(tmp_path: Path) -> str:
    real = RealProvider(tmp_path)
    return real.run("db", "heads").split()[0]


def test_a_run_that_waited_too_long_changes_nothing_and_says_why(tmp_path, database, held_lock,
                                                                 upgrade):
    started = time.monotonic()
    run = upgrade(wait=1, log="upgrade.log")
    assert run.wait(timeout=60) == 1
    output = (tmp_path / "upgrade.log").read_text()
    assert time.monotonic() - started >= 1
    assert WAITING in output
    assert ("another `idp db upgrade` is still migrating this database after 1 s "
            "(DATABASE_UPGRADE_WAIT_SECONDS); nothing was changed") in output
    assert "Traceback" not in output
    assert migrated_to(database) is None


def test_a_second_run_waits_for_the_first_then_migrates(tmp_path, database, held_lock, upgrade):
    run = upgrade(wait=120, log="upgrade.log")
    deadline = time.monotonic() + 30
    while WAITING not in (tmp_path / "upgrade.log").read_text():
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1)
    assert run.poll() is None, "it must wait while the lock is held"
    assert migrated_to(database) is None
    held_lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    held_lock.commit()
    assert run.wait(timeout=120) == 0, (tmp_path / "upgrade.log").read_text()
    assert migrated_to(database) == head(tmp_path)


def test_two_nodes_upgrading_at_once_both_succeed(tmp_path, database, upgrade):
    runs = [upgrade(wait=120, log=f"upgrade-{n}.log") for n in (1, 2)]
    outputs = []
    for n, run in enumerate(runs, start=1):
        code = run.wait(timeout=180)
        outputs.append((tmp_path / f"upgrade-{n}.log").read_text())
        assert code == 0, outputs[-1]
    assert migrated_to(database) == head(tmp_path)
    assert not any("Traceback" in output for output in outputs)
