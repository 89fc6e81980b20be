"""The benchmark's databases: PostgreSQL on 127.0.0.1:5432 (``bench``, and ``bench_<count>`` for
each further account count; ``bench_base...`` for a baseline checkout), or SQLite files under
instance/bench/. They are kept between runs, so the accounts seeded once (idempotently) are
there next time. The servers' logs go to instance/bench/logs/, replaced at each run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
SQLITE_FOLDER = Path(__file__).resolve().parent.parent / "instance" / "bench"
LOGS = SQLITE_FOLDER / "logs"


def log_folder(name: str) -> Path:
    """instance/bench/logs/<name>/, created if missing."""
    folder = LOGS / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_url(name: str, sqlite: bool) -> str:
    """The URL of database ``name``, created (empty) when missing."""
    if sqlite:
        SQLITE_FOLDER.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SQLITE_FOLDER / name}.sqlite3"
    if name == "test":
        raise SystemExit("the database named test belongs to the test suite")
    server = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return f"{POSTGRES}/{name}"


def row_count(url: str, table: str) -> int:
    """How many rows ``table`` of the database at ``url`` holds."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - the benchmark's own table names
    finally:
        engine.dispose()


def has_account(url: str, address: str) -> bool:
    """Whether the database at ``url`` is migrated and has the account ``address`` with its
    "user.created" audit event."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("users"):
                return False
            return connection.scalar(text(
                "SELECT 1 FROM users JOIN audit_events ON audit_events.user_id = users.id "
                "AND audit_events.event = 'user.created' WHERE users.email = :address"),
                {"address": address}) is not None
    finally:
        engine.dispose()


def analyze(url: str) -> None:
    """ANALYZE the database at ``url``: its planner statistics, as autovacuum keeps them on a
    live server (a server without autovacuum, or a database just seeded in bulk, has none)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
