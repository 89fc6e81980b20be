"""Secrets the provider must read back (an authenticator's seed), encrypted in the database.

Fernet (AES-128-CBC with HMAC-SHA256) under a key derived from SECRET_KEY by HKDF with its own
label, so a copy of the database alone does not reveal them, and the key serves nothing else.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

LABEL = b"idp authenticator secrets at rest"

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(
        current_app.config["SECRET_KEY"].encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    """The text stored for ``secret``."""
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    """The secret behind ``stored``; raises ``InvalidToken`` when SECRET_KEY changed since."""
    return _fernet().decrypt(stored.encode("ascii")).decode("utf-8")
