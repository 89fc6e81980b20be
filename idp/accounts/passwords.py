"""Password hashing with argon2id, with rehash on parameter change and a dummy hash.

Checking an unknown identifier costs the same as checking a real one (a dummy hash is verified),
so response time does not tell which accounts exist.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MAX_PASSWORD_LENGTH = 1024  # longer input is refused before hashing: no CPU exhaustion


@cache
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """The argon2id hasher configured by PASSWORD_HASH_* settings."""
    config = current_app.config
    return _hasher(
        config["PASSWORD_HASH_MEMORY_KIB"],
        config["PASSWORD_HASH_TIME_COST"],
        config["PASSWORD_HASH_PARALLELISM"],
    )


@cache
def _dummy_hash(h: PasswordHasher) -> str:
    return h.hash("dummy password for unknown accounts")


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password``."""
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, spend the same time and answer False."""
    h = hasher()
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return h.verify(stored_hash or _dummy_hash(h), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the configured ones."""
    return hasher().check_needs_rehash(stored_hash)
