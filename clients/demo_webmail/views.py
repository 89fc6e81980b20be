"""Pages of the webmail: home, a mailbox folder, a message, compose. Every mailbox page
checks that the signed-in person may open the mailbox (the ``mailboxes`` claim) and, for one
the claim marks sensitive, that the second factor is recent enough (else a step-up at the
provider)."""

from __future__ import annotations

import functools
import time

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from . import mail, sessions
from .auth import STEP_UP_MAX_AGE, sign_in_redirect
from .forms import ComposeForm
from .models import FOLDERS

bp = Blueprint("webmail", __name__)
FOLDER_NAMES = {"Inbox": "Boîte de réception", "Sent": "Éléments envoyés"}


def mailbox_page(view):
    """Signed in, allowed to open ``address``, recent enough for a sensitive mailbox."""

    @functools.wraps(view)
    def wrapped(address: str, **kwargs):
        record = sessions.current()
        if record is None:
            return redirect(url_for("auth.login", next=request.path))
        allowed = {m["address"]: m for m in record.mailboxes}
        if address not in allowed:
            abort(404)
        if allowed[address].get("sensitive") and time.time() - record.auth_time > STEP_UP_MAX_AGE:
            return sign_in_redirect(request.path, max_age=STEP_UP_MAX_AGE)
        mail.open_mailbox(address)
        g.mailbox = allowed[address]
        return view(address, **kwargs)

    return wrapped


@bp.app_context_processor
def menu():
    """The side menu: the personal mailbox first, then organisational and applicative ones."""
    record = sessions.current()
    if record is None:
        return {"person": None}
    boxes = sorted(record.mailboxes, key=lambda m: (m["type"] != "PER", m["name"]))
    return {"person": record, "menu_boxes": boxes, "unread": mail.unread_count,
            "folder_names": FOLDER_NAMES}


@bp.get("/")
def home():
    """The personal inbox when signed in, else the page inviting to sign in."""
    record = sessions.current()
    if record is None:
        return render_template("home.html")
    personal = next((m for m in record.mailboxes if m["type"] == "PER"), record.mailboxes[0])
    return redirect(url_for("webmail.folder", address=personal["address"], name="Inbox"))


@bp.get("/bal/<address>/<name>")
@mailbox_page
def folder(address: str, name: str):
    """The messages of one folder."""
    if name not in FOLDERS:
        abort(404)
    return render_template("folder.html", folder=name, messages=mail.folder(address, name))


@bp.get("/bal/<address>/messages/<int:message_id>")
@mailbox_page
def message(address: str, message_id: int):
    """One message."""
    found = mail.read(address, message_id)
    if found is None:
        abort(404)
    return render_template("message.html", message=found)


@bp.route("/bal/<address>/nouveau", methods=["GET", "POST"])
@mailbox_page
def compose(address: str):
    """Write a message from ``address``; sent, it lands in the recipient's inbox."""
    form = ComposeForm()
    if form.validate_on_submit():
        mail.send(address, form.to.data.strip().lower(), form.subject.data, form.body.data)
        flash("Message envoyé.")
        return redirect(url_for("webmail.folder", address=address, name="Sent"))
    return render_template("compose.html", form=form), 400 if form.errors else 200
