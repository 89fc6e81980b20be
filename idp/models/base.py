"""Helpers shared by the models: UTC time and random identifiers."""

import secrets
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (the form stored in every table)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_identifier(nbytes: int = 16) -> str:
    """A random URL-safe identifier (for subjects, client ids, session ids)."""
    return secrets.token_urlsafe(nbytes)


def epoch(moment: datetime) -> int:
    """Seconds since the epoch of a naive UTC datetime (as JWT claims want)."""
    return int((moment - datetime(1970, 1, 1)).total_seconds())
