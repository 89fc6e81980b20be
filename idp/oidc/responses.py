"""Authorization responses to a client's redirect URI: query or form_post, always with ``iss``.

RFC 9207: every authorization response, errors included, names the issuer so a client talking
to several providers cannot be tricked into sending a code to the wrong one.
"""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from flask import current_app, render_template

from .. import csp

RESPONSE_MODES = ("query", "form_post")


def authorization_redirect(redirect_uri: str, params: list[tuple[str, str]], response_mode=None):
    """(status, body, headers) delivering ``params`` to the client in its response mode."""
    params = [*params, ("iss", current_app.config["ISSUER"])]
    if response_mode == "form_post":
        body = render_template("oidc/form_post.html", action=redirect_uri, params=params)
        return 200, body, [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Security-Policy", csp.policy(redirect_uri)),
        ]
    return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]


def error_params(error) -> list[tuple[str, str]]:
    """The error, its description and the client's state, as response parameters."""
    params = [("error", error.error)]
    if error.description:
        params.append(("error_description", error.description))
    if error.state:
        params.append(("state", error.state))
    return params
