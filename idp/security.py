"""Small cryptographic helpers shared by every package: random secrets, their digests, and keys
derived from a secret for one purpose each (sealing what must be read back).

SECRET_KEY writes; PREVIOUS_SECRET_KEYS (the keys it replaced) still read what was sealed,
signed or digested under them, so that rotating SECRET_KEY disables nothing (``secret_keys``).
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["InvalidToken", "Resealed", "derived_key", "digest", "keyed_digest",
           "keyed_digests", "new_secret", "reseal", "seal", "secret_keys", "unseal"]


class Resealed(NamedTuple):
    """What sealing again under SECRET_KEY did to one kind of record: how many were moved
    from a previous key, and how many no configured key can read."""

    moved: int
    unreadable: int


def new_secret(nbytes: int = 32) -> str:
    """A random URL-safe secret (256 bits by default) for client secrets, codes and tokens."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 hex digest under which a high-entropy secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_keys() -> list[str]:
    """SECRET_KEY, then PREVIOUS_SECRET_KEYS: every key that may read; only the first writes."""
    config = current_app.config
    return [config["SECRET_KEY"], *config["PREVIOUS_SECRET_KEYS"]]


def keyed_digest(message: str) -> str:
    """HMAC-SHA-256 (hex) of ``message`` under SECRET_KEY, for values too guessable to store
    under a plain digest (six-digit codes, addresses): a copy of the database reveals none."""
    return _hmac(secret_keys()[0], message)


def keyed_digests(message: str) -> list[str]:
    """``keyed_digest`` of ``message`` under each of ``secret_keys()``, the current one first:
    to recognise a digest stored long enough to outlive a rotation of SECRET_KEY."""
    return [_hmac(key, message) for key in secret_keys()]


def derived_key(secret: str, label: bytes) -> bytes:
    """32 bytes derived from ``secret`` by HKDF-SHA256 under ``label``: a key that serves one
    purpose only, and that neither the secret's digest nor another label's key reveals."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret.encode("utf-8"))


def seal(plaintext: str, secret: str, label: bytes) -> str:
    """``plaintext`` encrypted and authenticated (Fernet: AES-128-CBC with HMAC-SHA256) under
    the key derived from ``secret`` and ``label``."""
    return _fernet(secret, label).encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(sealed: str, secret: str, label: bytes, older: Sequence[str] = ()) -> str:
    """What ``seal`` sealed under ``secret`` or one of the ``older`` secrets; raises
    ``InvalidToken`` for another secret or label, or a change."""
    return _fernets(secret, label, older).decrypt(sealed.encode("ascii")).decode("utf-8")


def reseal(sealed: str, secret: str, label: bytes, older: Sequence[str] = ()) -> str:
    """``sealed`` sealed again under ``secret``, when ``secret`` or one of the ``older``
    secrets can read it; raises ``InvalidToken`` otherwise."""
    return _fernets(secret, label, older).rotate(sealed.encode("ascii")).decode("ascii")


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _fernet(secret: str, label: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(secret, label)))


def _fernets(secret: str, label: bytes, older: Sequence[str]) -> MultiFernet:
    """Encrypts under ``secret``; decrypts under it or any of ``older``, in that order."""
    return MultiFernet([_fernet(key, label) for key in (secret, *older)])
