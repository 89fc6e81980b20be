"""Logout: RP-initiated logout (Authlib's end-session endpoint) and back-channel logout.

Ending a session tells every client that received tokens in it and registered a
``backchannel_logout_uri``: each gets a signed logout token (OpenID Connect Back-Channel
Logout 1.0), sent by a job once the end is saved (``idp worker``), so no request waits for a
client. Each attempt is audited; a client that does not answer is tried again later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import requests
from authlib.oidc.rpinitiated import EndSessionEndpoint as _EndSessionEndpoint
from authlib.oidc.rpinitiated import EndSessionRequest as _EndSessionRequest
from flask import current_app
from joserfc import jwt

from .. import audit
from ..extensions import db
from ..jobs.later import after_commit
from ..models import Client, SessionClient, SsoSession
from ..models.base import epoch, new_identifier, utcnow
from ..sessions import sso as sessions
from . import keys

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class EndSessionRequest(_EndSessionRequest):
    """A logout request; ``other_person`` when its id_token_hint names someone else than the
    person signed in in this browser, ``foreign_session`` when it names a live session that
    this browser does not hold (it has none)."""

    other_person: bool = False
    foreign_session: bool = False

    @property
    def needs_confirmation(self) -> bool:
        # RP-Initiated Logout §2: the OP MUST ask when the ID token does not belong to the
        # current session or person (else any ID token logs anyone out, by a mere link).
        return self.id_token_claims is None or self.other_person or self.foreign_session


class EndSessionEndpoint(_EndSessionEndpoint):
    """Ends this browser's session (or the one the id_token_hint names) and tells clients."""

    def get_server_jwks(self):
        return keys.key_ring(current_app).public_keys()

    def validate_request(self, request) -> EndSessionRequest:
        validated = super().validate_request(request)
        sso = sessions.current_session()
        hinted = validated.id_token_claims or {}
        return EndSessionRequest(
            **{f.name: getattr(validated, f.name) for f in fields(validated)},
            other_person=sso is not None and hinted.get("sub") is not None
            and hinted["sub"] != sso.user.subject,
            foreign_session=sso is None and _live_session(hinted.get("sid")) is not None,
        )

    def end_session(self, end_session_request) -> None:
        """End this browser's session or, from a browser without one (and once confirmed),
        the live session the hint names."""
        sso = sessions.current_session()
        if sso is None:
            sso = _live_session((end_session_request.id_token_claims or {}).get("sid"))
        sessions.forget_browser_session()
        if sso is not None:
            sessions.end_session(sso, "logout")


def _live_session(sid: str | None) -> SsoSession | None:
    """The session ``sid`` names, if it has not ended."""
    if not isinstance(sid, str) or not sid:
        return None
    return db.session.scalar(
        db.select(SsoSession).where(SsoSession.sid == sid, SsoSession.ended_at.is_(None)))


def notify_clients(_sender, sso: SsoSession, reason: str) -> None:
    """Ask for one back-channel logout job per client that received tokens in ``sso``
    (receiver of ``sessions.session_ended``; the jobs leave when the caller commits)."""
    client_ids = db.session.scalars(
        db.select(Client.client_id)
        .join(SessionClient, SessionClient.client_id == Client.client_id)
        .where(SessionClient.session_id == sso.id, Client.backchannel_logout_uri.is_not(None))
    ).all()
    for client_id in client_ids:
        after_commit("backchannel_logout", session_id=sso.id, client_id=client_id)


def send_logout_token(session_id: int, client_id: str) -> bool:
    """POST a logout token for session ``session_id`` to client ``client_id`` (a job); audited.
    False when the client did not take it (the job tries again); True when it did, or when
    the client no longer has a back-channel logout URI."""
    client = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
    sso = db.session.get(SsoSession, session_id)
    if client is None or sso is None or not client.backchannel_logout_uri:
        return True
    return _notify(client, sso)


def logout_token(client: Client, sso: SsoSession) -> str:
    """A signed logout token telling ``client`` that session ``sso`` ended."""
    alg = keys.signing_alg(client)
    kid, key = keys.key_ring(current_app).signing_key(alg)
    now = epoch(utcnow())
    claims = {
        "iss": current_app.config["ISSUER"],
        "aud": client.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": new_identifier(),
        "sub": sso.user.subject,
        "sid": sso.sid,
        "events": {BACKCHANNEL_EVENT: {}},
    }
    return jwt.encode({"alg": alg, "kid": kid, "typ": "logout+jwt"}, claims, key, [alg])


def _notify(client: Client, sso: SsoSession) -> bool:
    timeout = current_app.config["BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS"]
    try:
        answer = requests.post(
            client.backchannel_logout_uri,
            data={"logout_token": logout_token(client, sso)},
            timeout=timeout,
            allow_redirects=False,
        )
        ok = answer.status_code in (200, 204)
        reason = f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        ok, reason = False, type(exc).__name__
    audit.record(
        "logout.backchannel_sent" if ok else "logout.backchannel_failed",
        user_id=sso.user_id,
        client_id=client.client_id,
        sid=sso.sid,
        result=reason,
    )
    return ok
