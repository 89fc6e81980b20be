"""Device cookies: the browsers that have signed in to an address before.

After a right password, the browser gets (or keeps) a signed cookie holding a random device
identifier and a short digest of each address it signed in to, the latest first (at most
``MAX_ADDRESSES``; the addresses themselves are not readable in it). For those addresses the
password step counts this browser's failures apart from strangers' (``accounts.lockout``): a
person's usual browser is never delayed by someone else typing wrong passwords for their
address. The cookie lasts DEVICE_COOKIE_MAX_AGE_SECONDS after the latest sign-in; a forged,
stale or damaged one counts as no cookie. It outlives a rotation of SECRET_KEY: its signature
and digests are checked under PREVIOUS_SECRET_KEYS too, and the next sign-in writes them under
SECRET_KEY.
"""

from __future__ import annotations

import secrets

from flask import after_this_request, current_app, g, request
from itsdangerous import BadData, URLSafeTimedSerializer

from ..security import keyed_digests, secret_keys

COOKIE_NAME = "idp_device"
MAX_ADDRESSES = 20
_SALT = "idp.device-cookie"


def known_device(identifier: str) -> str | None:
    """This browser's device identifier if it signed in to the address ``identifier`` before
    (as the lockout normalises it), else None."""
    device, addresses = _read()
    return device if device and any(tag in addresses for tag in _tags(identifier)) else None


def remember_sign_in(identifier: str) -> None:
    """Mark this browser as one that signed in to ``identifier``: the response of this
    request sets the cookie."""
    device, addresses = _read()
    device = device or secrets.token_urlsafe(16)
    tags = _tags(identifier)
    addresses = [tags[0], *(a for a in addresses if a not in tags)][:MAX_ADDRESSES]
    g.device_cookie = (device, addresses)
    value = _serializer().dumps({"d": device, "a": addresses})
    config = current_app.config

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE_NAME, value, max_age=config["DEVICE_COOKIE_MAX_AGE_SECONDS"],
                            secure=config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax")
        return response


def _read() -> tuple[str | None, list[str]]:
    """The device identifier and address digests of the request's cookie (read once)."""
    if "device_cookie" not in g:
        g.device_cookie = (None, [])
        raw = request.cookies.get(COOKIE_NAME)
        if raw:
            try:
                data = _serializer().loads(
                    raw, max_age=current_app.config["DEVICE_COOKIE_MAX_AGE_SECONDS"])
            except BadData:
                data = None
            if (isinstance(data, dict) and isinstance(data.get("d"), str)
                    and isinstance(data.get("a"), list)):
                g.device_cookie = (data["d"], [a for a in data["a"] if isinstance(a, str)])
    return g.device_cookie


def _tags(identifier: str) -> list[str]:
    """The short digests of ``identifier`` under each configured key, SECRET_KEY's first."""
    return [digest[:16] for digest in keyed_digests(f"device-cookie:{identifier}")]


def _serializer() -> URLSafeTimedSerializer:
    """Signs with SECRET_KEY; verifies under it or one of PREVIOUS_SECRET_KEYS (itsdangerous
    takes the keys oldest first and signs with the last)."""
    return URLSafeTimedSerializer(secret_keys()[::-1], salt=_SALT)
