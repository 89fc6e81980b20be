"""Recovery codes: the way in when the phone with Google Authenticator is lost.

RECOVERY_CODES_COUNT codes such as ``k7m2-9xqp`` (8 characters from ``secrets`` in an alphabet
without look-alikes, about 40 bits each) are shown once when generated; only a keyed hash is
stored (a copy of the database does not reveal them). Generating again replaces the whole set.
Each code works once: it is burnt by the conditional UPDATE that accepts it.

Codes live until used or replaced, so a typed code is checked under SECRET_KEY and under each
of PREVIOUS_SECRET_KEYS: a rotation of SECRET_KEY leaves them working. Their hashes cannot be
moved under the new key (the codes are not kept), so a previous key stays needed while codes
generated under it should work.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import delete, func

from .. import audit
from ..extensions import db
from ..models import RecoveryCode, User
from ..security import keyed_digest, keyed_digests
from ..single_use import use_once

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
HALF = 4


def generate(user: User) -> list[str]:
    """A new set of codes for the person, replacing the old one; returns them (shown once)."""
    codes = [_new_code() for _ in range(current_app.config["RECOVERY_CODES_COUNT"])]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=keyed_digest(_owned(user.id, _normal(code))))
        for code in codes)
    audit.record("recovery_codes.generated", user_id=user.id, count=len(codes))
    return codes


def revoke_all(user: User) -> int:
    """Make every recovery code of the person worthless; how many there were (audited, the
    caller commits)."""
    removed = db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if removed.rowcount:
        audit.record("recovery_codes.revoked", user_id=user.id, count=removed.rowcount)
    return removed.rowcount


def use(user: User, typed: str) -> bool:
    """Burn the person's unused code ``typed``; True when it was one (the caller commits)."""
    code = _normal(typed)
    if len(code) != 2 * HALF or not all(c in ALPHABET for c in code):
        return False
    return use_once(RecoveryCode.used_at, RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash.in_(keyed_digests(_owned(user.id, code))))


def remaining(user: User) -> int:
    """How many of the person's codes are still unused."""
    return db.session.scalar(
        db.select(func.count(RecoveryCode.id))
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(2 * HALF))
    return f"{chars[:HALF]}-{chars[HALF:]}"


def _normal(typed: str) -> str:
    """What the person typed, without case, spaces or dashes."""
    return (typed or "").strip().lower().replace("-", "").replace(" ", "")[:64]


def _owned(user_id: int, code: str) -> str:
    """What is hashed for a code: bound to its owner (the same code of two people differs)."""
    return f"recovery:{user_id}:{code}"
