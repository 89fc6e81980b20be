"""Growing delays after repeated failures, counted separately for passwords and for codes.

The first LOCKOUT_FREE_FAILURES failures cost nothing; each further one blocks the kind for
LOCKOUT_BASE_DELAY_SECONDS, doubling, capped at LOCKOUT_MAX_DELAY_SECONDS: never a permanent
lock an attacker could trigger. A success resets the counter of its kind only. Failures at the
same moment (parallel requests, several processes) are each counted, by one atomic statement.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import FailureCounter
from ..models.base import utcnow

PASSWORD = "password"  # noqa: S105 - the name of a counter, not a secret
CODE = "code"
#: INSERT ... ON CONFLICT of each database the provider runs on.
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def seconds_blocked(user_id: int, kind: str) -> int:
    """How many seconds ``kind`` stays blocked for this person (0 when free)."""
    blocked_until = db.session.scalar(
        db.select(FailureCounter.blocked_until).where(
            FailureCounter.user_id == user_id, FailureCounter.kind == kind
        )
    )
    if blocked_until is None:
        return 0
    return max(0, int((blocked_until - utcnow()).total_seconds() + 0.999))


def record_failure(user_id: int, kind: str) -> None:
    """Count a failure and, past the free ones, block for a growing delay (caller commits).
    The first failure creates the counter and later ones add to it in the same statement, so
    failures at the same moment neither collide nor get lost."""
    upsert = UPSERTS[db.session.get_bind().dialect.name](FailureCounter)
    failures = db.session.scalar(
        upsert.values(user_id=user_id, kind=kind, failures=1)
        .on_conflict_do_update(index_elements=[FailureCounter.user_id, FailureCounter.kind],
                               set_={"failures": FailureCounter.failures + 1})
        .returning(FailureCounter.failures)
    )
    config = current_app.config
    over = failures - config["LOCKOUT_FREE_FAILURES"]
    if over > 0:
        delay = min(
            config["LOCKOUT_BASE_DELAY_SECONDS"] * 2 ** min(over - 1, 20),
            config["LOCKOUT_MAX_DELAY_SECONDS"],
        )
        db.session.execute(  # the upsert locked the row until commit: counts land in order
            update(FailureCounter)
            .where(FailureCounter.user_id == user_id, FailureCounter.kind == kind)
            .values(blocked_until=utcnow() + timedelta(seconds=delay))
        )


def reset(user_id: int, kind: str) -> None:
    """Forget the failures of one kind after a success (caller commits)."""
    db.session.execute(
        db.update(FailureCounter)
        .where(FailureCounter.user_id == user_id, FailureCounter.kind == kind)
        .values(failures=0, blocked_until=None)
    )
