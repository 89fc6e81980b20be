"""Secrets the provider must read back (an authenticator's seed), encrypted in the database.

Sealed (``security.seal``) under a key derived from SECRET_KEY with its own label, so a copy of
the database alone does not reveal them, and the key serves nothing else. What was sealed under
one of PREVIOUS_SECRET_KEYS is still read, and ``reseal`` moves it under SECRET_KEY.
"""

from __future__ import annotations

from ..security import InvalidToken, reseal, seal, secret_keys, unseal

LABEL = b"idp authenticator secrets at rest"

__all__ = ["InvalidToken", "decrypt", "encrypt", "resealed"]


def encrypt(secret: str) -> str:
    """The text stored for ``secret``."""
    return seal(secret, secret_keys()[0], LABEL)


def decrypt(stored: str) -> str:
    """The secret behind ``stored``; raises ``InvalidToken`` when it was sealed under none of
    SECRET_KEY and PREVIOUS_SECRET_KEYS."""
    current, *previous = secret_keys()
    return unseal(stored, current, LABEL, older=previous)


def resealed(stored: str) -> str | None:
    """``stored`` sealed under SECRET_KEY when one of PREVIOUS_SECRET_KEYS sealed it, None when
    SECRET_KEY did; raises ``InvalidToken`` when none of them did."""
    current, *previous = secret_keys()
    try:
        unseal(stored, current, LABEL)
    except InvalidToken:
        return reseal(stored, current, LABEL, older=previous)
    return None
