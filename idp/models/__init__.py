"""Database models, one module per aggregate; imported here so Alembic sees every table."""

from .accounts import (
    Mailbox,
    MailboxAccess,
    MailboxType,
    NotificationEmailChange,
    Organisation,
    PasswordResetToken,
    Role,
    User,
    UserStatus,
)
from .audit import AuditEvent
from .factors import Delivery, FailureCounter, OtpChallenge, RecoveryCode, TotpCredential
from .federation import FederatedIdentity, UpstreamLogin
from .jobs import JobAttempt
from .keys import KeyState, SigningKey
from .oauth import AuthorizationCode, Client, ClientAssertion, Consent, RefreshRetry, Token
from .sessions import AuthorizationRequest, SessionClient, SsoSession

__all__ = [
    "AuditEvent",
    "AuthorizationCode",
    "AuthorizationRequest",
    "Client",
    "ClientAssertion",
    "Consent",
    "Delivery",
    "FailureCounter",
    "FederatedIdentity",
    "JobAttempt",
    "KeyState",
    "Mailbox",
    "MailboxAccess",
    "MailboxType",
    "NotificationEmailChange",
    "Organisation",
    "OtpChallenge",
    "PasswordResetToken",
    "RecoveryCode",
    "RefreshRetry",
    "Role",
    "SessionClient",
    "SigningKey",
    "SsoSession",
    "Token",
    "TotpCredential",
    "UpstreamLogin",
    "User",
    "UserStatus",
]
