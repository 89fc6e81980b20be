"""The way into the account page: an SSO session of level ``mfa``, or the normal sign-in.

The account page is a relying party of its own provider: a built-in first-party client,
"Espace personnel MSSanté" (created on first use, like the signing keys), sends the person to
``/authorize`` with ``acr_values=mfa``, so every rule of the sign-in applies unchanged (password,
second factor, step-up of a ``pwd`` session). Its callback only checks ``state`` and then reads
the SSO session that the sign-in established: the code is never redeemed. The client is public
(no secret to keep) and PKCE is mandatory for public clients, so the request carries the
challenge of a verifier thrown away at once: the code cannot be redeemed by anyone.

``state`` is kept in a cookie of its own, limited to the callback's path: the Flask session is
renewed when the sign-in completes and would forget it. The administration (/admin) comes in the
same way: the cookie also keeps the local page asked for (``next``), where the callback returns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import current_app, redirect, request, url_for

from ..extensions import db
from ..models import Client, User
from ..oidc.clients import register_client
from ..security import new_secret
from ..sessions.sso import current_session
from ..urls import public_url

PORTAL_NAME = "Espace personnel MSSanté"
STATE_COOKIE = "idp_account_state"
MAX_NEXT_PATH = 1024  # a longer page address would not fit in the cookie: back to the account


def signed_in_user() -> User | None:
    """The person of this browser's SSO session when it reached ``mfa``, else None."""
    sso = current_session()
    return sso.user if sso is not None and sso.acr == "mfa" else None


def portal_client() -> Client:
    """The account page's own client for this issuer, registered on first use."""
    callback = public_url("account.callback")
    for client in db.session.scalars(
        db.select(Client)
        .where(Client.name == PORTAL_NAME, Client.first_party.is_(True))
        .order_by(Client.id)
    ):
        if callback in client.redirect_uris:
            return client
    return register_client(PORTAL_NAME, redirect_uris=[callback], auth_method="none",
                           min_acr="mfa", scope="openid", first_party=True).client


def send_to_sign_in(next_path: str | None = None):
    """Redirect to the authorization endpoint, with the state kept for the callback, and the
    local page to come back to (``next_path``; the account page when None)."""
    client = portal_client()
    state = new_secret()
    thrown_away_verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(thrown_away_verifier.encode()).digest()).rstrip(b"=").decode()
    response = redirect(url_for(
        "oidc.authorize", response_type="code", client_id=client.client_id,
        redirect_uri=client.redirect_uris[0], scope="openid", acr_values="mfa", state=state,
        code_challenge=challenge, code_challenge_method="S256",
    ))
    value = state
    if next_path and len(next_path) <= MAX_NEXT_PATH and is_local_path(next_path):
        value += "." + base64.urlsafe_b64encode(next_path.encode()).rstrip(b"=").decode()
    response.set_cookie(
        STATE_COOKIE, value, max_age=current_app.config["INTERACTION_TTL_SECONDS"],
        path=url_for("account.callback"), secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True, samesite="Lax",
    )
    return response


def is_local_path(path: str) -> bool:
    """Whether ``path`` is a page of this site ("/admin/comptes?q=x"), never another site's
    ("//evil.example", "/\\evil.example", "https://...")."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return False
    if "\\" in path or any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def _cookie() -> tuple[str, str | None]:
    """(state, next path) kept in the state cookie; next is None when absent or unusable."""
    state, _, encoded = request.cookies.get(STATE_COOKIE, "").partition(".")
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        path = base64.urlsafe_b64decode(padded.encode()).decode() if encoded else None
    except (ValueError, UnicodeDecodeError):
        path = None
    return state, path if path and is_local_path(path) else None


def next_path() -> str | None:
    """The local page the browser asked for before the sign-in, if it asked for one."""
    return _cookie()[1]


def callback_state_ok() -> bool:
    """Whether the callback carries the state this browser was sent away with."""
    expected = _cookie()[0]
    received = request.args.get("state", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), received.encode())


def forget_state(response):
    """Drop the state cookie once the callback used it."""
    response.delete_cookie(STATE_COOKIE, path=url_for("account.callback"))
    return response
