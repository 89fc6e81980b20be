"""Secrets the provider must read back (an authenticator's seed), encrypted in the database.

Sealed (``security.seal``) under a key derived from SECRET_KEY with its own label, so a copy of
the database alone does not reveal them, and the key serves nothing else.
"""

from __future__ import annotations

from flask import current_app

from ..security import InvalidToken, seal, unseal

LABEL = b"idp authenticator secrets at rest"

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def encrypt(secret: str) -> str:
    """The text stored for ``secret``."""
    return seal(secret, current_app.config["SECRET_KEY"], LABEL)


def decrypt(stored: str) -> str:
    """The secret behind ``stored``; raises ``InvalidToken`` when SECRET_KEY changed since."""
    return unseal(stored, current_app.config["SECRET_KEY"], LABEL)
