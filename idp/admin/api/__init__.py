"""The JSON admin API (/admin/api): the administration's actions for programs, with the same
roles and the same organisation scoping as the web area, because both call the same service
functions (``idp.admin``).

Callers present a Bearer access token of scope ``admin``: a person's (their role applies) or a
service client's from the client_credentials grant (the client's admin role applies). Errors
are problem details (RFC 9457); the OpenAPI document is at /admin/api/openapi.json. There are
no cookies here, so no CSRF token either (the blueprint is exempt).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin_api", __name__, url_prefix="/admin/api")

from . import (  # noqa: E402, F401 - add routes
    auth,
    clients,
    mailboxes,
    notification_emails,
    openapi,
    problems,
    records,
    users,
)
