"""Helpers shared by the models: UTC time, random identifiers, indexes of one database only."""

import secrets
from datetime import UTC, datetime

from sqlalchemy import Index


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (the form stored in every table)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_identifier(nbytes: int = 16) -> str:
    """A random URL-safe identifier (for subjects, client ids, session ids)."""
    return secrets.token_urlsafe(nbytes)


def epoch(moment: datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime (as JWT claims want)."""
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def postgresql_only(index: Index) -> Index:
    """``index`` created on PostgreSQL only (an index method SQLite lacks, such as pg_trgm's
    GIN): skipped by ``create_all`` elsewhere, and by the schema comparison (``for_database``)."""
    index.info["only_on"] = "postgresql"
    return index.ddl_if(dialect="postgresql")


def for_database(dialect_name: str):
    """An ``include_object`` hook for Alembic's comparison of the models with a database of
    ``dialect_name``: it leaves out the indexes made for another database."""

    def include_object(obj, _name, type_, _reflected, _compare_to) -> bool:
        return type_ != "index" or obj.info.get("only_on", dialect_name) == dialect_name

    return include_object
