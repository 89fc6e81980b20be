"""Token store: saving issued tokens, finding presented ones, and single-use consumption.

Codes and refresh tokens are consumed with one conditional UPDATE, so two processes presenting
the same one at the same moment cannot both succeed. A second presentation is treated as theft:
every token of the same family (one authorization) is revoked; except a refresh retried within
its grace, which gets the tokens its first use issued (``refresh_retries``).
"""

from __future__ import annotations

from datetime import timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import insert, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..models import AuthorizationCode, Token
from ..models.base import new_identifier, utcnow
from ..security import digest
from ..single_use import use_once
from . import refresh_retries

# Sent once a token response is stored: grant (its grant_type), client_id, user_id (or None).
token_issued = Namespace().signal("token-issued")


def save_token(token: dict, request) -> None:
    """Store a token response issued by any grant (Authlib's ``save_token`` hook), with one
    INSERT: no ORM object is built for a row this request never reads again."""
    code: AuthorizationCode | None = getattr(request, "authorization_code", None)
    previous: Token | None = getattr(request, "refresh_token", None)
    origin = code or previous
    now = utcnow()
    row = {
        "client_id": request.client.client_id,
        "user_id": request.user.id if request.user else None,
        "family_id": previous.family_id if previous else new_identifier(),
        "authorization_code_id": code.id if code else None,
        "sid": origin.sid if origin else None,
        "claims": origin.claims if origin else None,
        "acr": origin.acr if origin else None,
        "amr": list(origin.amr) if origin and origin.amr else None,
        "auth_time": origin.auth_time if origin else None,
        "scope": token.get("scope", ""),
        "access_token_hash": digest(token["access_token"]),
        "refresh_token_hash": None,
        "issued_at": now,
        "expires_in": token["expires_in"],
        "refresh_expires_at": None,
    }
    if token.get("refresh_token"):
        row["refresh_token_hash"] = digest(token["refresh_token"])
        row["refresh_expires_at"] = now + timedelta(
            seconds=current_app.config["REFRESH_TOKEN_TTL_SECONDS"]
        )
    if previous is None:
        db.session.execute(insert(Token.__table__), row)
    else:  # committed with the old token's consumption: one step for others
        successor_id = db.session.scalar(insert(Token.__table__).returning(Token.id), row)
        refresh_retries.keep(previous, successor_id, request.payload.data["refresh_token"], token)
    if origin is not None:
        db.session.commit()  # tokens and consumption land together, before a racing use is answered
    token_issued.send(current_app._get_current_object(), grant=request.payload.grant_type,
                      client_id=row["client_id"], user_id=row["user_id"])


def find_token(value: str, hint: str | None = None) -> Token | None:
    """The token row for a presented access or refresh token (``presented_as`` says which)."""
    if not isinstance(value, str) or not value or len(value) > 512:
        return None
    hashed = digest(value)
    kinds = ("refresh_token", "access_token") if hint == "refresh_token" else (
        "access_token",
        "refresh_token",
    )
    for kind in kinds:
        column = Token.refresh_token_hash if kind == "refresh_token" else Token.access_token_hash
        row = db.session.scalar(
            db.select(Token).options(joinedload(Token.user)).where(column == hashed)
        )
        if row is not None:
            row.presented_as = kind
            return row
    return None


def consume_code(code: str, client_id: str) -> AuthorizationCode | None:
    """Use an authorization code once; a second use revokes what the first one issued."""
    if not isinstance(code, str) or len(code) > 512:
        return None
    row = db.session.scalar(
        db.select(AuthorizationCode).options(joinedload(AuthorizationCode.user)).where(
            AuthorizationCode.code_hash == digest(code),
            AuthorizationCode.client_id == client_id,
        )
    )
    if row is None:
        return None
    now = utcnow()
    if not use_once(AuthorizationCode.used_at, AuthorizationCode.id == row.id):
        row.reused_at = now  # a redemption still saving its tokens revokes them (settle_code)
        _revoke_code_tokens(row)
        audit.record("token.code_reused", user_id=row.user_id, client_id=client_id)
        db.session.commit()  # the reuse and its revocation stand at once, for the racing use
        return None
    db.session.commit()  # single use, settled at once: a racing redemption finds it used
    if row.expires_at <= now:
        return None
    return row


def settle_code(row: AuthorizationCode) -> bool:
    """After a code's tokens were saved: False, and those tokens revoked, when the code was
    presented again while they were being issued."""
    if db.session.scalar(
        db.select(AuthorizationCode.reused_at).where(AuthorizationCode.id == row.id)
    ) is None:
        return True
    _revoke_code_tokens(row)
    db.session.commit()  # the revocation stands, though this request answers an error
    return False


def _revoke_code_tokens(row: AuthorizationCode) -> None:
    family = db.session.scalar(
        db.select(Token.family_id).where(Token.authorization_code_id == row.id)
    )
    if family:
        revoke_family(family)


def consume_refresh_token(value: str) -> Token | None:
    """Use a refresh token once. Its consumption stays uncommitted until ``save_token`` commits
    it with the new tokens, so the same token presented meanwhile waits for them: within the
    grace it gets them too (``retry_answer``), else its whole family is revoked."""
    row = find_token(value, "refresh_token")
    if row is None or row.presented_as != "refresh_token":
        return None
    now = utcnow()
    # Judged on the state before consumption: a racing replay may revoke the family after it.
    usable = row.revoked_at is None and row.refresh_expires_at is not None and (
        row.refresh_expires_at > now
    )
    consumed = use_once(Token.refresh_used_at, Token.id == row.id)
    if consumed and usable:
        return row
    if consumed:
        db.session.commit()  # an expired or revoked token is spent at once all the same
        return None
    row.retry_answer = refresh_retries.answer_again(row, value)
    if row.retry_answer is not None:
        audit.record("token.refresh_retried", user_id=row.user_id, client_id=row.client_id)
        db.session.commit()  # the retry is recorded before its answer is given again
        return row
    revoke_family(row.family_id)
    audit.record("token.refresh_reused", user_id=row.user_id, client_id=row.client_id)
    db.session.commit()  # the family's revocation stands at once, for every racing use
    return None


def retire_refresh_token(row: Token) -> bool:
    """After a rotation was saved, end the old token; False when a replay of it raced this
    rotation and revoked its family first (the new tokens are then revoked too)."""
    if db.session.scalar(db.select(Token.revoked_at).where(Token.id == row.id)) is not None:
        revoke_family(row.family_id)
        db.session.commit()  # the revocation stands, though this request answers an error
        return False
    row.revoked_at = utcnow()
    refresh_retries.forget_expired()
    db.session.commit()  # the rotation is complete before its answer leaves
    return True


def revoke_family(family_id: str) -> None:
    """Revoke every token issued from one authorization (the caller commits)."""
    db.session.execute(
        update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )

