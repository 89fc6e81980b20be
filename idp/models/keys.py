"""Signing keys: the provider's JSON Web Keys, private parts encrypted at rest."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class KeyState(enum.StrEnum):
    """Life of a key: published before it signs, published after it stops signing."""

    NEXT = "next"
    ACTIVE = "active"
    RETIRED = "retired"


class SigningKey(db.Model):
    """One asymmetric key; the private half is a passphrase-encrypted PKCS#8 PEM."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    encrypted_private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    publish_until: Mapped[datetime | None]
