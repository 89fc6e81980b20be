"""Rows of every kind ``idp cleanup`` removes, written straight into the database with the
moment they end (the tests then ask the cleanup about that moment), and a run of the cleanup
as the command makes it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from idp.cleanup import remove_expired
from idp.extensions import db
from idp.models import (
    AuditEvent,
    AuthorizationCode,
    AuthorizationRequest,
    ClientAssertion,
    Delivery,
    FailureCounter,
    JobAttempt,
    NotificationEmailChange,
    OtpChallenge,
    PasswordResetToken,
    RefreshRetry,
    SessionClient,
    SsoSession,
    Token,
    UpstreamLogin,
    User,
)
from idp.models.base import utcnow

from ..helpers import as_an_edge


def ago(**delta) -> datetime:
    """A moment in the past (naive UTC, as stored)."""
    return utcnow() - timedelta(**delta)


def ahead(**delta) -> datetime:
    """A moment in the future (naive UTC, as stored)."""
    return utcnow() + timedelta(**delta)


def _hex() -> str:
    return secrets.token_hex(32)


def cleanup(app, **options) -> dict[str, int]:
    """Run ``remove_expired`` as ``idp cleanup`` does, in an app context of its own."""
    return as_an_edge(app, remove_expired, **options)


def count(app, model, *conditions) -> int:
    """How many rows of ``model`` (matching ``conditions``) the database holds."""
    with app.app_context():
        found = db.session.scalar(db.select(db.func.count()).select_from(model).where(*conditions))
        db.session.remove()
        return found


def add(app, *rows) -> list[int]:
    """Insert ``rows``; their primary keys."""
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
        keys = [db.inspect(row).identity[0] for row in rows]
        db.session.remove()
        return keys


def user_id(app, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(db.select(User.id).where(User.email == email))
        db.session.remove()
        return found


def authorization_request(client_id: str, ends: datetime) -> AuthorizationRequest:
    return AuthorizationRequest(uid=_hex(), browser_key=_hex(), client_id=client_id, params={},
                                prompt="", expires_at=ends)


def code(client_id: str, user: int, ends: datetime) -> AuthorizationCode:
    return AuthorizationCode(code_hash=_hex(), client_id=client_id, user_id=user,
                             redirect_uri="https://rp.example.org/callback", scope="openid",
                             acr="mfa", amr=["pwd", "otp"], auth_time=ends, expires_at=ends)


def token(client_id: str, user: int, family: str, issued: datetime, access_seconds: int = 600,
          refresh_ends: datetime | None = None, **state) -> Token:
    """A token of ``family`` issued at ``issued``; a refresh token when ``refresh_ends``."""
    return Token(client_id=client_id, user_id=user, family_id=family, scope="openid",
                 access_token_hash=_hex(), issued_at=issued, expires_in=access_seconds,
                 refresh_token_hash=_hex() if refresh_ends else None,
                 refresh_expires_at=refresh_ends, **state)


def client_assertion(client_id: str, ends: datetime) -> ClientAssertion:
    return ClientAssertion(client_id=client_id, jti=_hex(), expires_at=ends)


def challenge(user: int, ends: datetime) -> OtpChallenge:
    return OtpChallenge(user_id=user, channel="email", code_hash=_hex(),
                        created_at=ends - timedelta(minutes=10),
                        sent_at=ends - timedelta(minutes=10), expires_at=ends)


def delivery(user: int, created: datetime, challenge_id: int | None = None) -> Delivery:
    return Delivery(user_id=user, challenge_id=challenge_id, channel="email",
                    destination="a***@example.org", created_at=created, status="sent")


def password_link(user: int, ends: datetime, purpose: str = "reset") -> PasswordResetToken:
    return PasswordResetToken(user_id=user, token_hash=_hex(), purpose=purpose, expires_at=ends)


def address_link(user: int, ends: datetime) -> NotificationEmailChange:
    return NotificationEmailChange(user_id=user, new_address="nouvelle@example.org",
                                   token_hash=_hex(), requested_by="self", expires_at=ends)


def failure_counter(last_failure: datetime, blocked_until: datetime | None = None
                    ) -> FailureCounter:
    return FailureCounter(key=_hex(), kind="password", failures=3, blocked_until=blocked_until,
                          last_failure_at=last_failure)


def sso_session(user: int, last_seen: datetime, ended: datetime | None = None,
                created: datetime | None = None) -> SsoSession:
    return SsoSession(sid=_hex(), secret_hash=_hex(), user_id=user, acr="mfa",
                      amr=["pwd", "otp"], auth_time=created or last_seen,
                      created_at=created or last_seen, last_seen_at=last_seen, ended_at=ended)


def session_client(session_id: int, client_id: str) -> SessionClient:
    return SessionClient(session_id=session_id, client_id=client_id)


def upstream_login(session_id: int) -> UpstreamLogin:
    return UpstreamLogin(sso_session_id=session_id, upstream="psc", id_token="header.claims.sig")


def job_attempt(started: datetime) -> JobAttempt:
    return JobAttempt(task="password_link", job_id=_hex(), attempt=1, started_at=started,
                      finished_at=started, outcome="done")


def audit_event(at: datetime) -> AuditEvent:
    return AuditEvent(at=at, event="login.password_failed", detail={})


def refresh_retry(token_id: int, successor_id: int, ends: datetime) -> RefreshRetry:
    return RefreshRetry(token_id=token_id, successor_id=successor_id, sealed_answer="sealed",
                        expires_at=ends)
