"""Small cryptographic helpers shared by every package: random secrets and their digests."""

import hashlib
import hmac
import secrets

from flask import current_app


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
