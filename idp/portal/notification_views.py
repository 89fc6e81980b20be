"""Changing the notification e-mail: the person asks from the account page, the new address
confirms through the link it received.

The link's page changes nothing when it is opened (mail scanners open links): it shows what
will change and a « Confirmer » button, and only its POST (with its CSRF token) confirms. It
needs no session: the link itself, received at the new address, is the proof.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext

from ..accounts import notification_email
from ..errors import IdpError
from .pages import bp, mfa_required, page


@bp.post("/notification-email")
@mfa_required
def request_notification_email(user):
    """The signed-in person asks for a new notification address: a link goes to it."""
    address = request.form.get("address", "")[:320]
    try:
        change = notification_email.request_change(user, address, requested_by="self")
    except IdpError as refused:
        flash(refused.message, "error")
    else:
        flash(gettext("Un lien de confirmation a été envoyé à %(address)s. Votre adresse de "
                      "notification changera quand il aura été ouvert ; d'ici là, les codes "
                      "continuent d'arriver à l'adresse actuelle.", address=change.new_address))
    return redirect(url_for("account.overview"))


@bp.get("/notification-email/confirm/<token>")
def notification_email_link(token: str):
    """The link's page: what will change, and the button that confirms it."""
    try:
        change, user = notification_email.change_for_link(token)
    except notification_email.LinkInvalid as invalid:
        return _link_invalid(invalid)
    return page("account/notification_email_confirm.html", token=token,
                 new_address=change.new_address, account=user.email)


@bp.post("/notification-email/confirm/<token>")
def confirm_notification_email(token: str):
    """The « Confirmer » button: the address becomes the notification e-mail."""
    try:
        user = notification_email.confirm_change(token)
    except notification_email.LinkInvalid as invalid:
        return _link_invalid(invalid)
    return page("account/notification_email_done.html", new_address=user.notification_email,
                 account=user.email)


def _link_invalid(invalid: notification_email.LinkInvalid):
    return page("error.html", title=gettext("Lien expiré ou déjà utilisé"),
                 message=invalid.message), 400
