"""Small cryptographic helpers shared by every package: random secrets, their digests, and keys
derived from a secret for one purpose each (sealing what must be read back)."""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["InvalidToken", "derived_key", "digest", "keyed_digest", "new_secret", "seal",
           "unseal"]


def new_secret(nbytes: int = 32) -> str:
    """A random URL-safe secret (256 bits by default) for client secrets, codes and tokens."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 hex digest under which a high-entropy secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def keyed_digest(message: str) -> str:
    """HMAC-SHA-256 (hex) of ``message`` under SECRET_KEY, for values too guessable to store
    under a plain digest (six-digit codes, addresses): a copy of the database reveals none."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def derived_key(secret: str, label: bytes) -> bytes:
    """32 bytes derived from ``secret`` by HKDF-SHA256 under ``label``: a key that serves one
    purpose only, and that neither the secret's digest nor another label's key reveals."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret.encode("utf-8"))


def seal(plaintext: str, secret: str, label: bytes) -> str:
    """``plaintext`` encrypted and authenticated (Fernet: AES-128-CBC with HMAC-SHA256) under
    the key derived from ``secret`` and ``label``."""
    return _fernet(secret, label).encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(sealed: str, secret: str, label: bytes) -> str:
    """What ``seal`` sealed; raises ``InvalidToken`` for another secret or label, or a change."""
    return _fernet(secret, label).decrypt(sealed.encode("ascii")).decode("utf-8")


def _fernet(secret: str, label: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(secret, label)))
