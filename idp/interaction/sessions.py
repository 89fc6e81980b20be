"""Single sign-on sessions: the browser's link to a signed-in person.

The browser cookie holds only the session's random ``sid``; the record says who signed in,
when (``auth_time``) and how (``acr``/``amr``). A session ends after SESSION_IDLE_SECONDS without
use or SESSION_ABSOLUTE_SECONDS after sign-in, whichever comes first.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..models import SessionClient, SsoSession, User
from ..models.base import new_identifier, utcnow

SID_KEY = "sid"
BROWSER_KEY = "browser"
TOUCH_INTERVAL = timedelta(seconds=60)  # write last_seen_at at most once a minute


def browser_key() -> str:
    """A random value naming this browser, kept across sign-ins (binds pending requests)."""
    if BROWSER_KEY not in session:
        session[BROWSER_KEY] = new_identifier()
    return session[BROWSER_KEY]


def current_session() -> SsoSession | None:
    """This browser's live session, or None (an expired one is ended on the way)."""
    sid = session.get(SID_KEY)
    if not sid:
        return None
    sso = db.session.scalar(
        db.select(SsoSession)
        .options(joinedload(SsoSession.user))
        .where(SsoSession.sid == sid, SsoSession.ended_at.is_(None))
    )
    if sso is None:
        session.pop(SID_KEY, None)
        return None
    now = utcnow()
    config = current_app.config
    idle = now - sso.last_seen_at > timedelta(seconds=config["SESSION_IDLE_SECONDS"])
    too_old = now - sso.created_at > timedelta(seconds=config["SESSION_ABSOLUTE_SECONDS"])
    if idle or too_old or not sso.user.is_active:
        end_session(sso, "idle" if idle else "absolute" if too_old else "disabled")
        db.session.commit()
        session.pop(SID_KEY, None)
        return None
    if now - sso.last_seen_at > TOUCH_INTERVAL:
        sso.last_seen_at = now
        db.session.commit()
    return sso


def start_session(user: User, acr: str, amr: list[str]) -> SsoSession:
    """Record a completed authentication and give the browser a new session id.

    The browser's previous session ends (a new id at every sign-in: no session fixation); when
    it was the same person's, the clients it had signed in to carry over.
    """
    previous = current_session()
    now = utcnow()
    sso = SsoSession(
        sid=new_identifier(24), user_id=user.id, acr=acr, amr=amr, auth_time=now,
        created_at=now, last_seen_at=now,
    )
    db.session.add(sso)
    db.session.flush()
    if previous is not None:
        if previous.user_id == user.id:
            db.session.execute(
                update(SessionClient)
                .where(SessionClient.session_id == previous.id)
                .values(session_id=sso.id)
            )
            sso.created_at = previous.created_at  # the absolute limit counts from first sign-in
        end_session(previous, "replaced")
    audit.record("session.started", user_id=user.id, sid=sso.sid, acr=acr, amr=amr)
    db.session.commit()
    keep = session.get(BROWSER_KEY)
    session.clear()
    if keep:
        session[BROWSER_KEY] = keep
    session[SID_KEY] = sso.sid
    return sso


def end_session(sso: SsoSession, reason: str) -> None:
    """Mark a session ended (the caller commits and tells the clients)."""
    sso.ended_at = utcnow()
    audit.record("session.ended", user_id=sso.user_id, sid=sso.sid, reason=reason)


def forget_browser_session() -> None:
    """Drop this browser's link to its session (after the session was ended)."""
    session.pop(SID_KEY, None)
