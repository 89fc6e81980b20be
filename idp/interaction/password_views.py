"""Screens of the forgotten password: ask for a link by identifier, then choose a new password
through the link received at the notification e-mail."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..accounts import password_reset
from ..accounts.password_policy import PasswordRefused
from .limits import per_identifier, per_ip
from .screens import page

bp = Blueprint("password", __name__, url_prefix="/password")


@bp.get("/forgot")
def forgot():
    """Ask for the identifier of the account whose password was forgotten."""
    return page("password/forgot.html")


@bp.post("/forgot")
@per_ip
@per_identifier
def send_reset_link():
    """Always the same answer, whether the account exists or not."""
    password_reset.request_reset(request.form.get("username", ""))
    return page("password/sent.html",
                minutes=current_app.config["PASSWORD_RESET_TTL_SECONDS"] // 60)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """The link's page: a new password typed twice; the link works once."""
    try:
        _link, user = password_reset.pending_link(token)
        if request.method == "POST":
            password_reset.reset_password(token, request.form.get("password", ""),
                                          request.form.get("confirmation", ""))
            return page("password/done.html")
    except password_reset.LinkInvalid as invalid:
        return page("password/link_invalid.html", message=invalid.message), 400
    except PasswordRefused as refused:
        return _reset_page(token, user.email, refused.reasons), 400
    return _reset_page(token, user.email)


def _reset_page(token: str, address: str, reasons: list[str] | None = None):
    return page("password/reset.html", token=token, address=address, reasons=reasons,
                min_length=current_app.config["PASSWORD_MIN_LENGTH"])
