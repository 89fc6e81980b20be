"""The administration's web area (/admin), in French: accounts, mailboxes, the audit trail, the
delivery records, notification e-mails in bulk (CSV), and for administrators the clients.
Signed in through the provider itself at level ``mfa`` (``access``); every page reads, and
every action calls, a service of ``idp.admin``: the functions the JSON API and the ``idp``
command line call too."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402, F401 - they add routes to bp
    access,
    account_views,
    client_views,
    csv_views,
    mailbox_views,
    record_views,
)
