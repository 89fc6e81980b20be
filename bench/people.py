"""The seeded accounts the journeys sign in with (bench/seed_accounts.py), in turn."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from .seed_accounts import BENCH_PASSWORD, account_email, notification_email


def in_turn(count: int) -> Iterator[tuple[str, str, str]]:
    """(address, password, notification e-mail) of accounts 1..count, endlessly, from a random
    one on: each account signs in rarely, as in real life, and its per-account counters stay
    far from their limits."""
    start = random.randrange(count)  # noqa: S311 - a starting point, not a secret
    for index in itertools.cycle(range(count)):
        number = (start + index) % count + 1
        yield account_email(number), BENCH_PASSWORD, notification_email(number)
