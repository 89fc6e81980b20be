"""Single sign-on sessions: the browser's link to a signed-in person.

The browser cookie holds a random secret naming the session; the record says who signed in,
when (``auth_time``) and how (``acr``/``amr``). The secret is renewed at every sign-in (no
session fixation, no step-up of a planted session), while the ``sid`` given to clients stays
the same for the same person. A session ends after SESSION_IDLE_SECONDS without use or
SESSION_ABSOLUTE_SECONDS after the first sign-in, whichever comes first; every end is announced
through ``session_ended`` (the protocol tells the clients by back-channel logout).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from blinker import Namespace
from flask import current_app, g, session
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..i18n import SESSION_KEY as LOCALE_KEY
from ..models import SsoSession, UpstreamLogin, User
from ..models.base import new_identifier, utcnow
from ..observability import per_request
from ..security import digest, new_secret
from ..single_use import use_once

SESSION_SECRET_KEY = "sso"  # noqa: S105 - the name of a cookie field, not a secret
BROWSER_KEY = "browser"
TOUCH_INTERVAL = timedelta(seconds=60)  # write last_seen_at at most once a minute

#: Sent with ``sso`` and ``reason`` when a session ends, before the caller commits.
session_ended = Namespace().signal("session-ended")


def browser_key() -> str:
    """A random value naming this browser, kept across sign-ins (binds pending requests)."""
    if BROWSER_KEY not in session:
        session[BROWSER_KEY] = new_identifier()
    return session[BROWSER_KEY]


def current_session() -> SsoSession | None:
    """This browser's live session, or None: a plain read, without side effects. A session
    past its idle or absolute limit, or of a disabled person, reads as None; ``settle_session``
    is the step that ends it."""
    sso = _browser_session()
    return sso if sso is not None and _end_reason(sso) is None else None


def settle_session() -> None:
    """Once per request, before the views (``create_app``): end this browser's session if it
    has expired (announced like any end: clients are told), else note that it was used
    (``last_seen_at``, at most once a minute); forget a cookie naming no live session. Commits
    its change, when there is one: it runs at the edge, before any view's unit of work. A session
    only read leaves its transaction to the view's unit of work (one transaction, not two)."""
    if not isinstance(session.get(SESSION_SECRET_KEY), str):
        return
    sso = _browser_session()
    reason = _end_reason(sso) if sso is not None else "unknown"
    if reason is not None:
        session.pop(SESSION_SECRET_KEY, None)
    if sso is not None and reason is not None:
        end_session(sso, reason)
    elif sso is not None and utcnow() - sso.last_seen_at > TOUCH_INTERVAL:
        sso.last_seen_at = utcnow()
    else:
        return  # nothing written: the view's unit of work goes on in the same transaction
    db.session.commit()  # the edge of its own: it runs before the view's unit of work


def _browser_session() -> SsoSession | None:
    """The unended session this browser's cookie names, expired or not. Read once per request
    and secret (``settle_session`` reads it first, the views then ask again)."""
    secret = session.get(SESSION_SECRET_KEY)
    if not isinstance(secret, str):
        return None
    seen = g.get("sso_read")
    if seen is None or seen[0] != secret or (seen[1] is not None and seen[1] not in db.session):
        # a row inserted by a transaction since rolled back has left the ORM session: read again
        sso = db.session.scalar(
            db.select(SsoSession)
            .options(joinedload(SsoSession.user))
            .where(SsoSession.secret_hash == digest(secret), SsoSession.ended_at.is_(None))
        )
        seen = g.sso_read = (secret, sso)
        if sso is not None:
            per_request.note(user_id=sso.user_id)  # the person of this request's log line
    sso = seen[1]
    return sso if sso is not None and sso.ended_at is None else None


def _end_reason(sso: SsoSession, now: datetime | None = None) -> str | None:
    """Why ``sso`` must end at ``now`` (idle, absolute limit, person disabled), or None."""
    idle_since, opened_before = _limits(now or utcnow())
    if sso.last_seen_at < idle_since:
        return "idle"
    if sso.created_at < opened_before:
        return "absolute"
    return None if sso.user.is_active else "disabled"


def _limits(now: datetime) -> tuple[datetime, datetime]:
    """A session unused since the first moment, or started before the second, is over at
    ``now`` (SESSION_IDLE_SECONDS, SESSION_ABSOLUTE_SECONDS)."""
    config = current_app.config
    return (now - timedelta(seconds=config["SESSION_IDLE_SECONDS"]),
            now - timedelta(seconds=config["SESSION_ABSOLUTE_SECONDS"]))


def past_limits(now: datetime) -> ColumnElement[bool]:
    """The sessions not ended yet but past their idle or absolute limit at ``now``: the
    rule of ``_end_reason`` as a condition, for ending them without a browser."""
    idle_since, opened_before = _limits(now)
    return and_(SsoSession.ended_at.is_(None),
                or_(SsoSession.last_seen_at < idle_since, SsoSession.created_at < opened_before))


def end_if_past_limits(session_id: int, now: datetime) -> bool:
    """End session ``session_id`` if it is still past its limits at ``now`` and nobody ended
    it meanwhile, announced like any end (clients are told); False when there was nothing to
    end. Taken by one conditional UPDATE, so a request settling it at the same moment does not
    end it twice (the caller commits)."""
    sso = db.session.get(SsoSession, session_id)
    reason = _end_reason(sso, now) if sso is not None else None
    if reason is None or not use_once(SsoSession.ended_at, SsoSession.id == session_id,
                                      past_limits(now)):
        return False
    end_session(sso, reason)
    return True


def start_session(user: User, acr: str, amr: list[str]) -> SsoSession:
    """Record a completed authentication and give the browser a new session secret.

    The same person signing in again (prompt=login, max_age, step-up) keeps their session and
    its sid, with the new auth_time, acr and amr; another person's session in this browser ends.
    """
    previous = current_session()
    now = utcnow()
    secret = new_secret()
    if previous is not None and previous.user_id == user.id:
        sso = previous
        sso.acr, sso.amr, sso.auth_time, sso.last_seen_at = acr, amr, now, now
        sso.secret_hash = digest(secret)
    else:
        if previous is not None:
            end_session(previous, "replaced")
        sso = SsoSession(
            sid=new_identifier(24), secret_hash=digest(secret), user_id=user.id, acr=acr,
            amr=amr, auth_time=now, created_at=now, last_seen_at=now,
        )
        db.session.add(sso)
        db.session.flush()
    audit.record("session.started", user_id=user.id, sid=sso.sid, acr=acr, amr=amr)
    keep = {key: session[key] for key in (BROWSER_KEY, LOCALE_KEY) if key in session}
    session.clear()
    session.update(keep)  # the browser's identifier and the journey's language survive
    session[SESSION_SECRET_KEY] = secret
    return sso


def remember_upstream_login(sso: SsoSession, upstream: str, id_token: str,
                            end_session_endpoint: str | None) -> None:
    """Keep the upstream sign-in behind ``sso`` (the latest one) and where its logout goes;
    the caller commits."""
    login = db.session.scalar(
        db.select(UpstreamLogin).where(UpstreamLogin.sso_session_id == sso.id)
    ) or UpstreamLogin(sso_session_id=sso.id)
    login.upstream, login.id_token, login.created_at = upstream, id_token, utcnow()
    login.end_session_endpoint = end_session_endpoint
    db.session.add(login)


def end_session(sso: SsoSession, reason: str) -> None:
    """Mark a session ended and announce it (the caller commits)."""
    sso.ended_at = utcnow()
    audit.record("session.ended", user_id=sso.user_id, sid=sso.sid, reason=reason)
    session_ended.send(current_app._get_current_object(), sso=sso, reason=reason)


def end_all_sessions(user_id: int, reason: str) -> int:
    """End every live session of a person, each announced like any other end (clients get
    back-channel logout); returns how many ended (the caller commits)."""
    live = db.session.scalars(
        db.select(SsoSession).where(SsoSession.user_id == user_id, SsoSession.ended_at.is_(None))
    ).all()
    for sso in live:
        end_session(sso, reason)
    return len(live)


def signed_in_here_with_two_factors(sso: SsoSession | None) -> bool:
    """A session of level mfa reached on this provider (password and second factor), not
    brokered by an upstream (amr ``fed``): the proof linking an upstream identity needs."""
    return sso is not None and sso.acr == "mfa" and "fed" not in sso.amr


def forget_browser_session() -> None:
    """Drop this browser's link to its session (after the session was ended)."""
    session.pop(SESSION_SECRET_KEY, None)
