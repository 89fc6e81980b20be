"""OAuth aggregate: clients, authorization codes, tokens, the answers kept for a refresh
retried, consents and used client assertions.

Secrets (client secrets, codes, tokens) are stored only as SHA-256 digests: a copy of the
database does not let anyone use them. They are 256-bit random values, so a fast digest is as
safe as a slow password hash and keeps the token endpoint fast.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..security import digest
from .accounts import User
from .base import epoch, utcnow

PUBLIC_AUTH_METHOD = "none"


class Client(db.Model, ClientMixin):
    """A relying party registered with the provider."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(2048))
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(String(1024))
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    id_token_signed_response_alg: Mapped[str | None] = mapped_column(String(16))
    min_acr: Mapped[str] = mapped_column(String(16), default="mfa")
    first_party: Mapped[bool] = mapped_column(default=False)
    resource_server: Mapped[bool] = mapped_column(default=False)
    disabled: Mapped[bool] = mapped_column(default=False)
    # After a rotation the previous secret keeps working until this time (a grace period).
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None]
    # A service client of the admin API acts with this role (admin, referent, support), a
    # referent for this organisation.
    admin_role: Mapped[str | None] = mapped_column(String(16))
    admin_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_public(self) -> bool:
        """True for clients that cannot keep a secret (browser or native apps)."""
        return self.token_endpoint_auth_method == PUBLIC_AUTH_METHOD

    @property
    def client_metadata(self) -> dict[str, Any]:
        """Registered metadata, in the names of OpenID Connect Dynamic Registration."""
        return {
            "client_name": self.name,
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "grant_types": self.grant_types,
            "scope": self.scope,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
        }

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # OpenID Connect requires redirect_uri in every request: no default is ever assumed.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(scope_to_list(self.scope))
        granted = dict.fromkeys(s for s in scope_to_list(scope) if s in allowed)  # once each
        return list_to_scope(list(granted))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        """The current secret, or the previous one during its grace period."""
        if not self.secret_hash or not isinstance(client_secret, str):
            return False
        presented = digest(client_secret)
        if hmac.compare_digest(self.secret_hash, presented):
            return True
        return bool(self.previous_secret_hash and self.previous_secret_expires_at
                    and utcnow() < self.previous_secret_expires_at
                    and hmac.compare_digest(self.previous_secret_hash, presented))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "refresh_token":
            return "authorization_code" in self.grant_types
        return grant_type in self.grant_types


class AuthorizationCode(db.Model, AuthorizationCodeMixin):
    """A code handed to a client's redirect URI, redeemable once for tokens."""

    __tablename__ = "authorization_codes"
    __table_args__ = (Index("ix_authorization_codes_client_nonce", "client_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scope: Mapped[str] = mapped_column(String(1024))
    nonce: Mapped[str | None] = mapped_column(String(512))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sid: Mapped[str | None] = mapped_column(String(64))
    acr: Mapped[str] = mapped_column(String(16))
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # removed when over (cleanup)
    used_at: Mapped[datetime | None]
    reused_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return epoch(self.auth_time)

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return list(self.amr)


class Token(db.Model, TokenMixin):
    """An access token with its optional refresh token.

    Every token issued from one authorization belongs to one family: when a refresh token that
    was already rotated comes back, or a code is redeemed twice, the whole family is revoked.
    """

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    authorization_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorization_codes.id", ondelete="SET NULL"), index=True
    )
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(1024))
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    acr: Mapped[str | None] = mapped_column(String(16))
    amr: Mapped[list[str] | None] = mapped_column(JSON)
    auth_time: Mapped[datetime | None]
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_in: Mapped[int]
    refresh_expires_at: Mapped[datetime | None]
    refresh_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
    client: Mapped[Client] = relationship()

    #: Which of its two values was presented: "access_token" or "refresh_token" (not stored).
    presented_as = "access_token"
    #: For a refresh retried within the grace: the answer its first use got (not stored).
    retry_answer = None

    @property
    def expires_at(self) -> datetime:
        """When the access token stops being accepted."""
        return self.issued_at + timedelta(seconds=self.expires_in)

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        now = utcnow()
        if self.presented_as == "refresh_token":
            return (
                self.refresh_used_at is not None
                or self.refresh_expires_at is None
                or now >= self.refresh_expires_at
            )
        return now >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_user(self) -> User | None:
        return self.user

    def get_client(self) -> Client:
        return self.client


class RefreshRetry(db.Model):
    """The answer a refresh token's rotation got, sealed under a key derived from that refresh
    token, kept for a retry of the same refresh until ``expires_at`` (``oidc.refresh_retries``)."""

    __tablename__ = "refresh_retries"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("tokens.id", ondelete="CASCADE"), primary_key=True
    )
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("tokens.id", ondelete="CASCADE"), index=True
    )
    sealed_answer: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Consent(db.Model):
    """The scopes a person allowed a (not first-party) client to receive, remembered."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(1024))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClientAssertion(db.Model):
    """A private_key_jwt assertion already used (its jti), kept until it expires: no replay."""

    __tablename__ = "client_assertions"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)
