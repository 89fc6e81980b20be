"""A refresh retried: the same refresh token presented again within
REFRESH_TOKEN_REUSE_GRACE_SECONDS of its rotation, by a client whose answer was lost (a timeout)
or by two tabs refreshing at once. It gets the very tokens the first use issued, so the family
still has one live member and nothing doubles (Okta's grace period, Auth0's reuse interval).
Later, or once those tokens were used or revoked, it is a reuse and revokes the family.

Tokens are stored as digests, so the answer is kept sealed (``security.seal``) under a key
derived from the rotated refresh token itself: only its holder can read it back, a copy of the
database cannot. It is deleted once the grace has passed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete

from ..extensions import db
from ..models import RefreshRetry, Token
from ..models.base import utcnow
from ..security import InvalidToken, seal, unseal

LABEL = b"idp refresh token retry"


def keep(rotated: Token, successor_id: int, presented: str, answer: dict[str, Any]) -> None:
    """Keep the answer of ``rotated``'s rotation (the token ``successor_id``) for a retry,
    sealed under ``presented`` (the rotated refresh token); nothing when the grace is off (the
    caller commits)."""
    grace = current_app.config["REFRESH_TOKEN_REUSE_GRACE_SECONDS"]
    if grace:
        db.session.add(RefreshRetry(
            token_id=rotated.id,
            successor_id=successor_id,
            sealed_answer=seal(json.dumps(answer), presented, LABEL),
            expires_at=utcnow() + timedelta(seconds=grace),
        ))


def answer_again(rotated: Token, presented: str) -> dict[str, Any] | None:
    """The answer ``rotated``'s rotation got, when ``presented`` comes again within the grace
    and those tokens are still the family's live ones; None otherwise (a reuse)."""
    now = utcnow()
    retry = db.session.scalar(db.select(RefreshRetry).where(
        RefreshRetry.token_id == rotated.id, RefreshRetry.expires_at > now))
    successor = db.session.get(Token, retry.successor_id) if retry else None
    if successor is None or successor.revoked_at or successor.refresh_used_at:
        return None
    try:
        answer = json.loads(unseal(retry.sealed_answer, presented, LABEL))
    except InvalidToken:
        return None
    answer["expires_in"] = max(0, int((successor.expires_at - now).total_seconds()))
    return answer


def forget_expired() -> None:
    """Delete the answers whose grace has passed (the caller commits)."""
    db.session.execute(delete(RefreshRetry).where(RefreshRetry.expires_at <= utcnow()))
