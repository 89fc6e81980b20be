"""What every sign-in screen shares: the blueprint, the pending request of this browser, the
way back to the protocol."""

from __future__ import annotations

from typing import NoReturn

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    session,
    url_for,
)

from .. import csp
from ..errors import sign_in_error_page
from ..i18n import remember_ui_locales
from ..models import AuthorizationRequest, Client
from ..sessions import pending as pending_requests

bp = Blueprint("interaction", __name__, url_prefix="/interaction")


def expired() -> NoReturn:
    """Stop with the page telling the person to go back to the app and start again."""
    abort(make_response(sign_in_error_page("expired")))


def pending_request(uid: str) -> tuple[AuthorizationRequest, Client]:
    """This browser's open request ``uid`` and its client, or the expired page."""
    found = pending_requests.load_with_client(uid)
    if found is None:
        expired()
    return found


def back_to_protocol(pending: AuthorizationRequest):
    """Hand the request back to the authorization endpoint."""
    return redirect(url_for("oidc.resume", uid=pending.uid))


def param(pending: AuthorizationRequest, name: str) -> str:
    """The first value of a parameter of the parked request ('' when absent)."""
    return (pending.params.get(name) or [""])[0]


def page(template: str, pending: AuthorizationRequest | None = None, **context):
    """Render a sign-in screen with the support contact line; the screen of a pending request
    may lead, once signed in, to that request's client. The language of a pending request's
    ``ui_locales`` is kept for the rest of its journey (``i18n``)."""
    if pending is not None:
        remember_ui_locales(param(pending, "ui_locales"))
    response = make_response(render_template(
        template, support=current_app.config["SUPPORT_CONTACT"],
        uid=pending.uid if pending else None, **context,
    ))
    response.headers["Content-Security-Policy"] = csp.policy(param(pending, "redirect_uri")) \
        if pending else csp.policy()
    return response


NOTICE_KEY = "sign_in_notice"


def leave_notice(uid: str, message: str) -> None:
    """Show ``message`` once on the next sign-in screen of request ``uid`` (e.g. why a sign-in
    with Pro Santé Connect did not go through)."""
    session[NOTICE_KEY] = {"uid": uid, "message": message}


def take_notice(uid: str) -> str | None:
    """The message left for request ``uid``, removed once read."""
    notice = session.get(NOTICE_KEY)
    if not isinstance(notice, dict) or notice.get("uid") != uid:
        return None
    session.pop(NOTICE_KEY)
    return notice.get("message")
