"""The yardstick of a sign-in: the CPU time of one argon2id verification with the provider's own
hasher and settings (PASSWORD_HASH_*), measured in this process during the run."""

from __future__ import annotations

import time
from statistics import median

from flask import Flask

from idp.accounts.passwords import hasher
from idp.settings import load_settings


def verification_ms(environment: dict[str, str], tries: int = 15) -> float:
    """Median CPU milliseconds of one verification of a right password."""
    app = Flask(__name__)
    app.config.update(load_settings(environ=environment))
    with app.app_context():
        checker = hasher()
    stored = checker.hash("a benchmark password")
    times = []
    for _ in range(tries):
        start = time.process_time()
        checker.verify(stored, "a benchmark password")
        times.append(time.process_time() - start)
    return median(times) * 1000
