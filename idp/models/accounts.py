"""Accounts aggregate: organisations, users and the mailboxes they may open."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import new_identifier, postgresql_only, utcnow


class Role(enum.StrEnum):
    """What a person may do beyond using their own account."""

    USER = "user"
    REFERENT = "referent"  # manages the accounts and mailboxes of their organisation
    SUPPORT = "support"  # reads accounts, delivery records and the audit trail
    ADMIN = "admin"  # everything, every organisation


class UserStatus(enum.StrEnum):
    """Whether an account may sign in."""

    ACTIVE = "active"
    DISABLED = "disabled"


class MailboxType(enum.StrEnum):
    """Mailbox types of the national directory (personal, organisational, applicative, practice)."""

    PER = "PER"
    ORG = "ORG"
    APP = "APP"
    CAB = "CAB"


class Organisation(db.Model):
    """A structure (hospital, practice...) identified by a short code such as a FINESS number."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(db.Model):
    """A health professional; the MSSanté address is the login."""

    __tablename__ = "users"
    __table_args__ = (
        # A referent's list of accounts, in address order, one page at a time.
        Index("ix_users_organisation_email", "organisation_id", "email"),
        # The administration's search for a part of an address or a family name: pg_trgm's
        # GIN indexes on PostgreSQL. SQLite has no such index and reads every account.
        postgresql_only(Index("ix_users_email_trigrams", "email", postgresql_using="gin",
                              postgresql_ops={"email": "gin_trgm_ops"})),
        postgresql_only(Index("ix_users_family_name_trigrams", "family_name",
                              postgresql_using="gin",
                              postgresql_ops={"family_name": "gin_trgm_ops"})),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True, default=new_identifier)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    given_name: Mapped[str] = mapped_column(String(128), default="")
    family_name: Mapped[str] = mapped_column(String(128), default="")
    notification_email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE.value)
    role: Mapped[str] = mapped_column(String(16), default=Role.USER.value)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def name(self) -> str:
        """Full name as shown to people ("Prénom Nom")."""
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_active(self) -> bool:
        """True when the account may sign in."""
        return self.status == UserStatus.ACTIVE.value


class Mailbox(db.Model):
    """A mailbox of the messaging service: personal (PER), organisational (ORG), applicative..."""

    __tablename__ = "mailboxes"
    # The shared mailboxes (all but personal ones) by organisation and address: the lists of
    # the administration, which a million personal mailboxes must not slow down.
    __table_args__ = (
        Index("ix_mailboxes_shared", "organisation_id", "address",
              postgresql_where=text("type <> 'PER'"), sqlite_where=text("type <> 'PER'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    type: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    # Opening a sensitive mailbox needs a recent second factor; clients read it in the claim.
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailboxAccess(db.Model):
    """A person's right to open a mailbox."""

    __tablename__ = "mailbox_access"
    __table_args__ = (UniqueConstraint("user_id", "mailbox_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mailbox_id: Mapped[int] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True
    )

    mailbox: Mapped[Mailbox] = relationship()


class PasswordResetToken(db.Model):
    """A single-use link to choose a new password, sent to the notification e-mail."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "reset" (forgotten password) or "setup" (a new account's first password)
    purpose: Mapped[str] = mapped_column(String(16), default="reset", server_default="reset")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # removed when over (cleanup)
    used_at: Mapped[datetime | None]


class NotificationEmailChange(db.Model):
    """A new notification address waiting for its confirmation: codes and links keep going to
    the current one until the link sent to the new address is opened."""

    __tablename__ = "notification_email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_address: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    requested_by: Mapped[str] = mapped_column(String(320))  # who asked: "self", an admin, "cli"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # removed when over (cleanup)
    confirmed_at: Mapped[datetime | None]
