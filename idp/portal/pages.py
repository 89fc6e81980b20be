"""What every page of the person's own space shares: the blueprint (/account), the way in
(an SSO session of level ``mfa``, else through the sign-in and back) and the page answer,
never cached."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, render_template

from . import gate

bp = Blueprint("account", __name__, url_prefix="/account")


def mfa_required(view):
    """Run ``view`` with the signed-in person, or send the browser through the sign-in."""
    @wraps(view)
    def wrapper(**kwargs):
        user = gate.signed_in_user()
        if user is None:
            return gate.send_to_sign_in()
        return view(user, **kwargs)
    return wrapper


def page(template: str, **context):
    """A page of the person's space: secrets and personal data, so never cached."""
    response = current_app.make_response(render_template(
        template, support=current_app.config["SUPPORT_CONTACT"], **context))
    response.headers["Cache-Control"] = "no-store"
    return response
