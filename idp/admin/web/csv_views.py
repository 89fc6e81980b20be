"""Notification e-mails in bulk (``admin.notification_csv``): a CSV file is first checked
without writing anything (the report of every line), then « Appliquer » sends the same file
again and it is applied if every line is still valid; and the accounts exported in the same
format. The file travels back with the « Appliquer » form (base64 in a hidden field), so
nothing is kept on the server between the two steps, and it is checked again when applied."""

from __future__ import annotations

import base64
import binascii
from datetime import date

from flask import current_app, request
from flask_babel import gettext

from ...errors import ValidationError
from ...extensions import db
from .. import notification_csv
from ..actors import WRITE
from . import bp
from .access import admin_required, page, status_of
from .account_views import organisations_for


@bp.get("/emails-notification")
@admin_required()
def csv_page(actor):
    return page("admin/csv.html", organisations=organisations_for(actor),
                columns=notification_csv.COLUMNS)


@bp.post("/emails-notification/import")
@admin_required(WRITE)
def csv_import(actor):
    apply = request.form.get("apply") == "1"
    try:
        data = _content() if apply else _upload()
        report = notification_csv.import_csv(actor, notification_csv.decode_upload(data), apply)
    except ValidationError as refused:
        db.session.rollback()
        return page("admin/csv.html", status=status_of(refused), error=refused.message,
                    organisations=organisations_for(actor), columns=notification_csv.COLUMNS)
    return page("admin/csv_report.html", report=report,
                content=base64.b64encode(data).decode(), rejected=notification_csv.REJECTED)


def _upload() -> bytes:
    upload = request.files.get("file")
    data = upload.read(notification_csv.MAX_BYTES + 1) if upload else b""
    if not data.strip():
        raise ValidationError(gettext("Choisissez un fichier CSV à importer."))
    return data


def _content() -> bytes:
    """The file sent back by « Appliquer »."""
    try:
        return base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(gettext("Le fichier à appliquer est illisible : importez-le "
                                      "à nouveau.")) from None


@bp.get("/emails-notification/export.csv")
@admin_required()
def csv_export(actor):
    organisation = request.args.get("structure", "")[:64] or None
    text = notification_csv.export_csv(actor, organisation)
    name = f"emails-notification-{organisation or 'tous'}-{date.today().isoformat()}.csv"
    return current_app.response_class(
        "\ufeff" + text, mimetype="text/csv",  # the BOM tells spreadsheets it is UTF-8
        headers={"Content-Disposition": f'attachment; filename="{name}"'})
