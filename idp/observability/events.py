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


def _blocked(detail: dict) -> bool:
    return detail.get("reason") == "blocked"


Labels = Callable[[dict], "tuple[str, ...] | None"]  # None: this event does not add to it
# event name -> the counters it adds to, each with its labels from the event's detail
COUNTED: dict[str, tuple[tuple[Counter, Labels], ...]] = {
    "login.password_ok": ((metrics.SIGN_INS, lambda d: ("password", "success")),),
    "login.password_failed": (
        (metrics.SIGN_INS, lambda d: ("password", "blocked" if _blocked(d) else "failure")),
        (metrics.LOCKOUTS, lambda d: ("password",) if _blocked(d) else None)),
    "login.code_ok": ((metrics.SIGN_INS, lambda d: (_code_factor(d), "success")),),
    "login.code_failed": ((metrics.SIGN_INS, lambda d: (_code_factor(d), "failure")),),
    "login.code_blocked": ((metrics.SIGN_INS, lambda d: ("code", "blocked")),
                           (metrics.LOCKOUTS, lambda d: ("code",))),
    "federation.signed_in": ((metrics.SIGN_INS, lambda d: ("upstream", "success")),),
    "federation.unknown_identity": ((metrics.SIGN_INS, lambda d: ("upstream", "failure")),),
    "federation.disabled": ((metrics.SIGN_INS, lambda d: ("upstream", "failure")),),
    "delivery.sent": ((metrics.CODES_SENT, lambda d: (_channel(d), "sent")),),
    "delivery.failed": ((metrics.CODES_SENT, lambda d: (_channel(d), "failed")),),
}

_PENDING = "idp_counted_events"


def count(entry: AuditEvent) -> None:
    """Add one committed audit event to the counters it feeds."""
    detail = entry.detail or {}
    for counter, labels_of in COUNTED.get(entry.event, ()):
        labels = labels_of(detail)
        if labels is not None:
            counter.labels(*labels).inc()


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
