"""Small cryptographic helpers shared by every package: random secrets and their digests."""

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    """A random URL-safe secret (256 bits by default) for client secrets, codes and tokens."""
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 hex digest under which a high-entropy secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
