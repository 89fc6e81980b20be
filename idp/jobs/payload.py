"""The secret a job carries (a link's token) travels sealed, never in clear in the queue.

Sealed (``security.seal``) under a key derived from SECRET_KEY with its own label; a job
sealed before a key rotation still opens under PREVIOUS_SECRET_KEYS.
"""

from __future__ import annotations

from ..security import seal, secret_keys, unseal

LABEL = b"idp job payloads"


def sealed(secret: str) -> str:
    """``secret`` as a job may carry it."""
    return seal(secret, secret_keys()[0], LABEL)


def opened(carried: str) -> str:
    """The secret behind ``carried`` (raises ``security.InvalidToken`` if no key sealed it)."""
    current, *previous = secret_keys()
    return unseal(carried, current, LABEL, older=previous)
