"""Pending authorization requests: parked by the protocol, finished by the sign-in screens.

A request is bound to the browser that started it and expires after INTERACTION_TTL_SECONDS.
It is completed exactly once (one conditional UPDATE), so a replayed resume issues nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app

from ..extensions import db
from ..models import AuthorizationRequest, Client
from ..models.base import new_identifier, utcnow
from ..single_use import use_once
from .sso import browser_key

UID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the alphabet of new_identifier


def park(client_id: str, params: dict[str, list[str]], prompt: str, required_acr: str,
         pending: AuthorizationRequest | None = None) -> AuthorizationRequest:
    """Park a request that needs the person (``prompt``: login, mfa or consent) and the level
    its sign-in must reach (``pwd`` leaves the factor choice out)."""
    if pending is None:
        now = utcnow()
        pending = AuthorizationRequest(
            uid=new_identifier(24),
            browser_key=browser_key(),
            client_id=client_id,
            params=params,
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["INTERACTION_TTL_SECONDS"]),
        )
        db.session.add(pending)
    pending.prompt = prompt
    pending.required_acr = required_acr
    return pending


def load(uid: str) -> AuthorizationRequest | None:
    """The open request ``uid`` of this browser, or None (unknown, other browser, expired, done)."""
    if not _well_formed(uid):
        return None
    pending = db.session.scalar(
        db.select(AuthorizationRequest).where(AuthorizationRequest.uid == uid)
    )
    return pending if pending is not None and _open_here(pending) else None


def load_with_client(uid: str) -> tuple[AuthorizationRequest, Client] | None:
    """The open request ``uid`` of this browser and its client, read in one statement, or
    None (as ``load``)."""
    if not _well_formed(uid):
        return None
    row = db.session.execute(
        db.select(AuthorizationRequest, Client)
        .join(Client, Client.client_id == AuthorizationRequest.client_id)
        .where(AuthorizationRequest.uid == uid)
    ).first()
    return (row[0], row[1]) if row is not None and _open_here(row[0]) else None


def _well_formed(uid: str) -> bool:
    """Whether ``uid`` could name a request at all (anything else is not looked up)."""
    return isinstance(uid, str) and UID.fullmatch(uid) is not None


def _open_here(pending: AuthorizationRequest) -> bool:
    """Whether ``pending`` belongs to this browser and can still be answered."""
    return (
        pending.browser_key == browser_key()
        and pending.completed_at is None
        and pending.expires_at > utcnow()
    )


def fail(pending: AuthorizationRequest, error: str) -> None:
    """Record that the interaction ended without authorization (e.g. ``access_denied``)."""
    pending.error = error


def complete(pending: AuthorizationRequest) -> bool:
    """Mark the request answered; False when another request already answered it."""
    return use_once(AuthorizationRequest.completed_at, AuthorizationRequest.id == pending.id)
