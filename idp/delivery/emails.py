"""E-mails to a person's notification address, from a pair of templates (text and HTML)."""

from __future__ import annotations

from flask import current_app, render_template

from ..models import User
from .channel import Message


def notification_email(user: User, subject: str, template: str, **context) -> Message:
    """The e-mail ``mail/<template>.txt`` + ``.html`` to ``user``'s notification address; the
    templates get the MSSanté address and the signature besides ``context``."""
    context = {"address": user.email, "signature": current_app.config["MAIL_SIGNATURE"],
               **context}
    return Message(
        to=user.notification_email,
        subject=subject,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
    )
