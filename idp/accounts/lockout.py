"""Growing delays after repeated failures, counted separately for passwords and for codes.

The first LOCKOUT_FREE_FAILURES failures cost nothing; each further one blocks for
LOCKOUT_BASE_DELAY_SECONDS, doubling, capped at LOCKOUT_MAX_DELAY_SECONDS: never a permanent
lock. While blocked, attempts are refused without being checked or counted, so they cannot
lengthen the delay. A success resets its own counter; failures are forgotten after
LOCKOUT_FORGET_AFTER_SECONDS without a new one.

Password failures are counted per *allowance* (OWASP's device cookies), so that nobody can keep
a person out by typing wrong passwords for their address:

- the strangers' allowance of an address: every browser that never signed in to it shares one
  count, whether an account has that address or not (the delay then says nothing about which
  addresses exist);
- a known browser's allowance: a browser that signed in to that address before
  (``interaction.devices``) has a count of its own, which strangers' failures do not touch.

Code failures are counted per person: only someone past the password step can make them.

Counters are found by a keyed digest under SECRET_KEY alone (not PREVIOUS_SECRET_KEYS): a
rotation of SECRET_KEY starts every count from zero, which forgets a day of failures at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, delete, or_, update
from sqlalchemy.exc import IntegrityError

from ..errors import IdpError
from ..extensions import db
from ..models import FailureCounter
from ..models.base import utcnow
from ..security import keyed_digest

PASSWORD = "password"  # noqa: S105 - the name of a counter, not a secret
CODE = "code"


class SignInDelayed(IdpError):
    """The password step of this allowance is blocked until ``until`` (naive UTC)."""

    def __init__(self, until: datetime):
        super().__init__("Trop d'essais pour ce compte.")
        self.until = until


@dataclass(frozen=True)
class Allowance:
    """One count of failures: its kind, the key it is stored under, and the account it
    concerns when there is one (so that administrators see and clear its delay)."""

    kind: str
    key: str
    user_id: int | None = None


def password_allowance(identifier: str, user_id: int | None,
                       device: str | None = None) -> Allowance:
    """The password failures of the address ``identifier`` typed: on the known browser
    ``device``, or, without one, from every stranger."""
    scope = f"device:{device}" if device else "strangers"
    return Allowance(PASSWORD, keyed_digest(f"lockout:password:{identifier}:{scope}"), user_id)


def code_allowance(user_id: int) -> Allowance:
    """The code failures of a person."""
    return Allowance(CODE, keyed_digest(f"lockout:code:{user_id}"), user_id)


@dataclass(frozen=True)
class Count:
    """The count of ``allowance`` as read at one moment: whether it holds failures, and until
    when (naive UTC) it blocks, None when free."""

    allowance: Allowance
    exists: bool
    blocked_until: datetime | None

    @property
    def seconds_blocked(self) -> int:
        """How many seconds the allowance stays blocked (0 when free)."""
        if self.blocked_until is None:
            return 0
        return int((self.blocked_until - utcnow()).total_seconds() + 0.999)


def read(allowance: Allowance) -> Count:
    """The count of ``allowance`` now, in one SELECT; ``reset`` takes it after a success."""
    row = db.session.execute(
        db.select(FailureCounter.blocked_until).where(FailureCounter.key == allowance.key)
    ).first()
    until = row[0] if row is not None else None
    return Count(allowance, row is not None,
                 until if until is not None and until > utcnow() else None)


def blocked_until(allowance: Allowance) -> datetime | None:
    """Until when ``allowance`` is blocked (naive UTC), or None when it is free."""
    return read(allowance).blocked_until


def seconds_blocked(allowance: Allowance) -> int:
    """How many seconds ``allowance`` stays blocked (0 when free)."""
    return read(allowance).seconds_blocked


def record_failure(allowance: Allowance) -> None:
    """Count a failure and, past the free ones, block for a growing delay (caller commits).
    The increment is one UPDATE, so concurrent failures are all counted."""
    config = current_app.config
    now = utcnow()
    forgotten = now - timedelta(seconds=config["LOCKOUT_FORGET_AFTER_SECONDS"])
    if not _increment(allowance, now, forgotten):
        try:
            with db.session.begin_nested():
                db.session.add(FailureCounter(key=allowance.key, kind=allowance.kind,
                                              user_id=allowance.user_id, failures=1,
                                              last_failure_at=now))
        except IntegrityError:  # another request created it meanwhile
            _increment(allowance, now, forgotten)
        else:
            db.session.execute(delete(FailureCounter).where(forgotten_counts(now)))
    failures = db.session.scalar(
        db.select(FailureCounter.failures).where(FailureCounter.key == allowance.key))
    if failures is None:  # a success reset the count meanwhile: nothing left to delay
        return
    over = failures - config["LOCKOUT_FREE_FAILURES"]
    if over > 0:
        delay = min(config["LOCKOUT_BASE_DELAY_SECONDS"] * 2 ** min(over - 1, 20),
                    config["LOCKOUT_MAX_DELAY_SECONDS"])
        db.session.execute(update(FailureCounter).where(FailureCounter.key == allowance.key)
                           .values(blocked_until=now + timedelta(seconds=delay)))


def reset(count: Count) -> None:
    """Forget the failures of an allowance after a success (caller commits). ``count`` is the
    one read in this request: when it held none, nothing is written; a failure counted by
    another request since then stays counted (a success never erases what it did not see)."""
    if count.exists:
        db.session.execute(
            delete(FailureCounter).where(FailureCounter.key == count.allowance.key))


def clear_person(user_id: int, email: str, kinds: tuple[str, ...] = (PASSWORD, CODE)) -> None:
    """End every delay of an account (an administrator's unlock; a new password ends the
    password delays): its strangers' count, its known browsers' and its codes' (caller
    commits)."""
    strangers = password_allowance(email, user_id).key
    db.session.execute(delete(FailureCounter).where(
        FailureCounter.kind.in_(kinds),
        or_(FailureCounter.user_id == user_id, FailureCounter.key == strangers)))


def _increment(allowance: Allowance, now: datetime, forgotten: datetime) -> bool:
    """Add one failure to an existing count (starting again after a long quiet); False when
    there is no count yet."""
    values = {"failures": case((FailureCounter.last_failure_at < forgotten, 1),
                               else_=FailureCounter.failures + 1),
              "last_failure_at": now}
    if allowance.user_id is not None:
        values["user_id"] = allowance.user_id
    result = db.session.execute(
        update(FailureCounter).where(FailureCounter.key == allowance.key).values(**values))
    return result.rowcount > 0


def forgotten_counts(now: datetime) -> ColumnElement[bool]:
    """The counts forgotten at ``now``: no failure for LOCKOUT_FORGET_AFTER_SECONDS, and
    blocking nothing (also what ``idp cleanup`` removes)."""
    moment = now - timedelta(seconds=current_app.config["LOCKOUT_FORGET_AFTER_SECONDS"])
    return and_(FailureCounter.last_failure_at < moment,
                or_(FailureCounter.blocked_until.is_(None), FailureCounter.blocked_until < now))
