"""Server-side sign-in sessions: the browser cookie names a row; tokens never leave the server.

The access token is refreshed when it has expired, and the mailbox list is read again from
userinfo with the new token, so access removed at the provider disappears from the menu.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, g, session
from requests import RequestException

from .extensions import db
from .models import WebmailSession
from .provider import provider

SESSION_KEY = "webmail_session_id"


def start(token: dict[str, Any], claims: dict[str, Any], userinfo: dict[str, Any]) -> None:
    """Keep the tokens of a completed sign-in, ending any previous session of this browser."""
    end_current()
    session.clear()  # a new session identifier at sign-in
    record = WebmailSession(
        sub=claims["sub"],
        sid=claims.get("sid"),
        name=userinfo.get("name") or userinfo.get("email", ""),
        email=userinfo.get("email", ""),
        mailboxes=userinfo.get("mailboxes", []),
        auth_time=int(claims.get("auth_time") or time.time()),
        id_token=token["id_token"],
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        expires_at=int(token.get("expires_at") or time.time() + 60),
    )
    db.session.add(record)
    db.session.commit()
    session[SESSION_KEY] = record.id


def current() -> WebmailSession | None:
    """This browser's session, with a fresh access token; None when signed out or ended."""
    if "webmail_session" not in g:
        record = db.session.get(WebmailSession, session.get(SESSION_KEY) or "")
        if record is not None and record.expires_at <= time.time() and not _refresh(record):
            db.session.delete(record)
            db.session.commit()
            record = None
        g.webmail_session = record
    return g.webmail_session


def end_current() -> WebmailSession | None:
    """Forget this browser's session; returns it (detached) for the provider logout."""
    record = db.session.get(WebmailSession, session.pop(SESSION_KEY, None) or "")
    if record is not None:
        db.session.delete(record)
        db.session.commit()
    g.pop("webmail_session", None)
    return record


def end_matching(sub: str | None, sid: str | None) -> int:
    """End the sessions a back-channel logout names (by sid, else every one of sub)."""
    query = db.select(WebmailSession)
    query = query.where(WebmailSession.sid == sid) if sid else query.where(
        WebmailSession.sub == sub)
    if sid and sub:
        query = query.where(WebmailSession.sub == sub)
    records = db.session.scalars(query).all()
    for record in records:
        db.session.delete(record)
    db.session.commit()
    return len(records)


def _refresh(record: WebmailSession) -> bool:
    """Rotate the refresh token for a new access token and re-read the mailboxes."""
    if not record.refresh_token:
        return False
    metadata = provider().load_server_metadata()
    config = current_app.config
    try:
        with OAuth2Session(config["CLIENT_ID"], config["CLIENT_SECRET"]) as client:
            token = client.refresh_token(metadata["token_endpoint"],
                                         refresh_token=record.refresh_token)
        userinfo = provider().userinfo(token=token)
    except (OAuthError, RequestException):
        return False
    record.access_token = token["access_token"]
    record.refresh_token = token.get("refresh_token", record.refresh_token)
    record.expires_at = int(token["expires_at"])
    record.mailboxes = userinfo.get("mailboxes", [])
    db.session.commit()
    return True
