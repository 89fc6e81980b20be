"""Business counters derived from the audit trail: one table from event name to counter.

Every security event already goes through ``audit.record``; its row is counted here when the
transaction that holds it commits (``count_committed_events``), so an event rolled back with
the change it described is not counted. The same rows tell the request's log line who the
person and the client were (``per_request.note``).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import AuditEvent
from . import metrics, per_request

CHANNELS = ("email", "sms")
CODE_FACTORS = ("email", "sms", "totp", "recovery")
GRANTS = ("authorization_code", "refresh_token", "client_credentials")


def _code_factor(detail: dict) -> str:
    return metrics.bounded(detail.get("factor"), CODE_FACTORS)


def _channel(detail: dict) -> str:
    return metrics.bounded(detail.get("channel"), CHANNELS)


# event name -> what it adds to: (counter, its labels from the event's detail)
COUNTED: dict[str, tuple[Counter, Callable[[dict], tuple[str, ...]]]] = {
    "login.password_ok": (metrics.SIGN_INS, lambda d: ("password", "success")),
    "login.password_failed": (
        metrics.SIGN_INS,
        lambda d: ("password", "blocked" if d.get("reason") == "blocked" else "failure")),
    "login.code_ok": (metrics.SIGN_INS, lambda d: (_code_factor(d), "success")),
    "login.code_failed": (metrics.SIGN_INS, lambda d: (_code_factor(d), "failure")),
    "login.code_blocked": (metrics.SIGN_INS, lambda d: ("code", "blocked")),
    "federation.signed_in": (metrics.SIGN_INS, lambda d: ("upstream", "success")),
    "federation.unknown_identity": (metrics.SIGN_INS, lambda d: ("upstream", "failure")),
    "federation.disabled": (metrics.SIGN_INS, lambda d: ("upstream", "failure")),
    "delivery.sent": (metrics.CODES_SENT, lambda d: (_channel(d), "sent")),
    "delivery.failed": (metrics.CODES_SENT, lambda d: (_channel(d), "failed")),
}
# event name -> the lockout it reports: an attempt refused while the allowance is blocked
LOCKOUT_KINDS = {"login.code_blocked": "code"}

_PENDING = "idp_counted_events"


def count(entry: AuditEvent) -> None:
    """Add one committed audit event to the counters it feeds."""
    detail = entry.detail or {}
    counted = COUNTED.get(entry.event)
    if counted is not None:
        counter, labels = counted
        counter.labels(*labels(detail)).inc()
    if entry.event in LOCKOUT_KINDS:
        metrics.LOCKOUTS.labels(LOCKOUT_KINDS[entry.event]).inc()
    elif entry.event == "login.password_failed" and detail.get("reason") == "blocked":
        metrics.LOCKOUTS.labels("password").inc()


def _flushed(session: Session, _context) -> None:
    for instance in session.new:
        if isinstance(instance, AuditEvent):
            session.info.setdefault(_PENDING, []).append(instance)
            per_request.note(user_id=instance.user_id, client_id=instance.client_id)


def _committed(session: Session) -> None:
    for entry in session.info.pop(_PENDING, ()):
        count(entry)


def _rolled_back(session: Session, _previous=None) -> None:
    session.info.pop(_PENDING, None)


def count_committed_events() -> None:
    """Listen to every ORM session: audit rows flushed, then counted at commit (once, at
    start-up: ``create_app``)."""
    if not event.contains(Session, "after_flush", _flushed):
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_rollback", _rolled_back)


def token_issued(_sender, grant: str, client_id: str, user_id: int | None) -> None:
    """Receiver of ``oidc.tokens.token_issued``: count the token by grant, note the client."""
    metrics.TOKENS.labels(metrics.bounded(grant, GRANTS)).inc()
    per_request.note(user_id=user_id, client_id=client_id)
