"""Second factors: one-time-code challenges, their delivery records, failure counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class OtpChallenge(db.Model):
    """A code sent to a person (email or SMS), valid a few minutes, usable once.

    A newer challenge of the same person supersedes every older one; ``attempts`` counts the
    wrong codes typed, and the challenge ends when it reaches the configured limit.
    """

    __tablename__ = "otp_challenges"
    __table_args__ = (Index("ix_otp_challenges_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # removed when over (cleanup)
    attempts: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))


class Delivery(db.Model):
    """One message carrying a code: where it went (masked), when, and what became of it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_user_created", "user_id", "created_at"),
        # Newest first, one page at a time from the key of a row (``admin.keyset``).
        Index("ix_deliveries_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("otp_challenges.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(255))
    provider_id: Mapped[str | None] = mapped_column(String(64))


class FailureCounter(db.Model):
    """Consecutive failures of one kind (``password`` or ``code``) counted under one key.

    The key is a keyed digest of whose failures these are: for passwords, the address typed
    (every browser that never signed in to it shares that count, whether the account exists
    or not) or that address on one browser that did (``accounts.lockout``); for codes, the
    person. ``user_id`` names the account when there is one, so that administrators see and
    clear its delays. ``blocked_until`` grows with the failures but never becomes permanent.
    """

    __tablename__ = "failure_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TotpCredential(db.Model):
    """A person's authenticator app (Google Authenticator): its secret, encrypted at rest, and
    the last time step accepted (a code works once)."""

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    encrypted_secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]


class RecoveryCode(db.Model):
    """A single-use recovery code, stored hashed, shown once when generated."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
