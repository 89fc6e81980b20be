"""Sign-in through the provider (code flow with PKCE, state, nonce, acr_values=mfa), the
step-up for sensitive mailboxes (max_age), RP-initiated logout and back-channel logout."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from joserfc.errors import JoseError

from . import sessions
from .backchannel import note_received, verify_logout_token
from .extensions import csrf
from .provider import provider

bp = Blueprint("auth", __name__, url_prefix="/auth")

REQUIRED_ACR = "mfa"
STEP_UP_MAX_AGE = 300  # seconds: a sensitive mailbox needs a second factor younger than this


def sign_in_redirect(next_url: str, max_age: int | None = None):
    """Send the browser to the provider; ``max_age`` asks for a recent authentication."""
    session["next"] = next_url
    session["max_age"] = max_age
    extra = {"max_age": max_age} if max_age is not None else {}
    return provider().authorize_redirect(
        f"{current_app.config['BASE_URL']}/auth/callback", acr_values=REQUIRED_ACR, **extra)


@bp.get("/login")
def login():
    """Start a sign-in, then come back to ``next`` (a path of this webmail)."""
    return sign_in_redirect(_local_path(request.args.get("next")))


@bp.get("/callback")
def callback():
    """Finish the sign-in: code for tokens, id_token checked, acr and freshness required."""
    try:
        token = provider().authorize_access_token()
    except (OAuthError, JoseError) as error:
        return _refused(f"La connexion a échoué : {getattr(error, 'description', '') or error}.")
    claims = token.get("userinfo") or {}
    if claims.get("acr") != REQUIRED_ACR:
        return _refused("Une authentification à deux facteurs est nécessaire pour le webmail.")
    max_age = session.pop("max_age", None)
    if max_age is not None and time.time() - claims.get("auth_time", 0) > max_age + 30:
        return _refused("L'authentification n'est pas assez récente pour cette boîte.")
    userinfo = provider().userinfo(token=token)
    if userinfo.get("sub") != claims["sub"]:
        return _refused("Réponse incohérente du fournisseur d'identité.")
    next_url = session.pop("next", "/")
    sessions.start(token, claims, userinfo)
    return redirect(next_url)


@bp.post("/logout")
def logout():
    """End the webmail session, then the provider's (RP-initiated logout)."""
    ended = sessions.end_current()
    session.clear()
    if ended is None:
        return redirect("/")
    logout_url = provider().create_logout_url(
        post_logout_redirect_uri=f"{current_app.config['BASE_URL']}/",
        id_token_hint=ended.id_token,
    )
    return redirect(logout_url["url"])


@bp.post("/backchannel-logout")
@csrf.exempt
def backchannel_logout():
    """The provider says a session ended: end the webmail sessions it names, once per token."""
    try:
        claims = verify_logout_token(request.form.get("logout_token", ""))
        note_received(claims)
    except (JoseError, ValueError):
        abort(400)
    sessions.end_matching(claims.get("sub"), claims.get("sid"))
    return "", 200, {"Cache-Control": "no-store"}


def _refused(message: str):
    sessions.end_current()
    return render_template("error.html", message=message), 403


def _local_path(value: str | None) -> str:
    """``value`` when it is a path on this site, else the home page (no open redirect)."""
    value = value or "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or "\\" in value:
        return "/"
    return value
