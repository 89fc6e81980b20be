"""Password hashing with argon2id, with rehash on parameter change and a dummy hash.

Checking an unknown identifier costs the same as checking a real one (a dummy hash is verified),
so response time does not tell which accounts exist.

Every hash of a process runs in one thread of its own. An argon2id hash takes
PASSWORD_HASH_MEMORY_KIB (19 MiB) from the C library and gives it back; glibc's malloc keeps
such a block in the arena of the thread that freed it, one arena per thread: a worker whose 8
request threads had each hashed once kept some 150 MB. One hashing thread keeps one block,
reused by the next hash. A process hashes on one core at a time, as ``idp serve`` plans: its
worker processes, not its threads, share the hashing between the cores.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MAX_PASSWORD_LENGTH = 1024  # longer input is refused before hashing: no CPU exhaustion

_hashing_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hashing")


def _new_hashing_thread_after_fork() -> None:
    """A forked process (a worker of ``idp serve``) gets a thread of its own: its parent's is
    not copied, so work handed to the parent's executor would never run."""
    global _hashing_thread  # noqa: PLW0603 - one executor per process, replaced in the child
    _hashing_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hashing")


os.register_at_fork(after_in_child=_new_hashing_thread_after_fork)


def _in_hashing_thread(function, *args):
    """``function(*args)`` run in the process's hashing thread; its result, or its exception."""
    return _hashing_thread.submit(function, *args).result()


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
    return _in_hashing_thread(h.hash, "dummy password for unknown accounts")


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password``."""
    return _in_hashing_thread(hasher().hash, password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, spend the same time and answer False."""
    h = hasher()
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        verified = _in_hashing_thread(h.verify, stored_hash or _dummy_hash(h), password)
    except (VerificationError, InvalidHashError):
        return False
    return verified and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the configured ones."""
    return hasher().check_needs_rehash(stored_hash)
