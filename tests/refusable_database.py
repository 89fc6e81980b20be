"""A PostgreSQL database of the test's own, created anew and dropped afterwards; one it can make
refuse every connection, then accept them again: the database "goes away" while the shared server
keeps running for everyone else.

Refusing is ``ALTER DATABASE ... WITH ALLOW_CONNECTIONS false`` and the end of its open sessions
(``pg_terminate_backend``): what a provider sees when its database server stops or fails over.
The database is created beside the one of ``IDP_TEST_POSTGRES_URL``, else beside the suite's
own PostgreSQL database (``IDP_TEST_DATABASE_URL``), else beside CI's ("test"), and named after
it with a suffix (``_unreachable``); such a test needs PostgreSQL even in the SQLite run of the
suite.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

CI_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The PostgreSQL database next to which tests may create their own."""
    suite = os.environ.get("IDP_TEST_DATABASE_URL", "")
    default = suite if suite.startswith("postgresql") else CI_DATABASE_URL
    return os.environ.get("IDP_TEST_POSTGRES_URL") or default


class RefusableDatabase:
    """An empty database, created anew; ``refuse`` and ``accept`` switch its connections."""

    def __init__(self, neighbour_url: str, suffix: str = "_unreachable"):
        neighbour = make_url(neighbour_url)
        self.name = f"{neighbour.database}{suffix}"
        self.url = neighbour.set(database=self.name).render_as_string(hide_password=False)
        self._admin = create_engine(neighbour, isolation_level="AUTOCOMMIT")

    def _execute(self, statement: str, **params) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement), params)

    def create(self) -> None:
        """Drop what a previous run may have left, then create the database."""
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.name}"')

    def refuse(self) -> None:
        """From now on every connection is refused, and the open ones are closed."""
        self._execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false')
        self._execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = :name AND pid <> pg_backend_pid()", name=self.name)

    def accept(self) -> None:
        """The database is back."""
        self._execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.dispose()


@contextlib.contextmanager
def own_database(suffix: str) -> Iterator[RefusableDatabase]:
    """A RefusableDatabase named with ``suffix`` for the block, dropped afterwards; the test is
    skipped without PostgreSQL."""
    database = RefusableDatabase(postgres_url(), suffix)
    try:
        database.create()
    except OperationalError as error:
        pytest.skip(f"this test needs PostgreSQL ({postgres_url()}): {error.orig}")
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="module")
def refusable_database() -> Iterator[RefusableDatabase]:
    """A RefusableDatabase for the module, dropped afterwards; skipped without PostgreSQL."""
    with own_database("_unreachable") as database:
        yield database
