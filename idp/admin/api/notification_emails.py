"""Notification e-mails in bulk in the admin API: the CSV file of ``idp.admin.notification_csv``
posted as the request body, checked line by line (a dry run by default) and applied with
``apply=true`` only when every line is valid; and the accounts exported in the same format.

The report answers as JSON. A file with a rejected line answers 422 with the whole report in
the problem (``lines``, ``counts``, ``summary``, ``applied``: false), and nothing is written,
whatever ``apply`` says. Once applied, a line the mail server then refused is reported as
rejected among the others, which were applied (200, ``applied``: true)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, request

from .. import notification_csv as service
from . import bp
from .auth import current_actor
from .problems import Problem, invalid
from .schema import Param, read_query

MEDIA_TYPES = ("text/csv", "application/octet-stream")
CHARSETS = ("utf-8", "utf8", "us-ascii")


@dataclass(frozen=True)
class Flag(Param):
    """A query parameter ``true`` or ``false`` (absent: ``default``)."""

    default: bool = False

    def parse(self, name: str, raw: str) -> bool:
        value = raw.strip().lower()
        if value not in ("true", "false"):
            raise invalid(f"« {name} » doit valoir true ou false.")
        return value == "true"

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean", "default": self.default}


IMPORT_PARAMS = {
    "apply": Flag("boolean", "true : appliquer si aucune ligne n'est refusée ; false "
                             "(défaut) : simulation, rien n'est écrit."),
}
EXPORT_PARAMS = {
    "organisation": Param("string", "Identifiant de la structure (FINESS...) ; un référent : "
                                    "la sienne."),
}


def report_json(report: service.Report) -> dict[str, Any]:
    """An import's report: each line, the count of each outcome, the French summary."""
    return {
        "applied": report.applied,
        "summary": report.summary(),
        "counts": {outcome: report.count(outcome) for outcome in service.LABELS},
        "lines": [{"number": line.number, "address": line.address, "outcome": line.outcome,
                   "reason": line.reason} for line in report.lines],
    }


@bp.post("/notification-emails/import")
def import_notification_emails():
    apply = read_query(IMPORT_PARAMS)["apply"]
    if apply is None:
        apply = IMPORT_PARAMS["apply"].default
    text = service.decode_upload(_csv_body())
    if "\x00" in text:  # as everywhere: no valid input holds NUL (PostgreSQL text cannot)
        raise invalid("Le fichier contient un caractère NUL : ce n'est pas un CSV valide.")
    report = service.import_csv(current_actor(), text, apply)
    if report.has_rejections and not report.applied:
        raise Problem(422, report.summary(), **report_json(report))
    return report_json(report)


def _csv_body() -> bytes:
    """The file sent as the request body, in one of MEDIA_TYPES."""
    if request.mimetype not in MEDIA_TYPES:
        raise Problem(415, "Envoyez le fichier CSV comme corps de la requête "
                           "(Content-Type: text/csv ou application/octet-stream).")
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in CHARSETS:
        raise Problem(415, "Le fichier doit être encodé en UTF-8 (Content-Type: text/csv; "
                           "charset=utf-8).")
    data = request.get_data(cache=False)
    if not data.strip():
        raise invalid("Le corps de la requête doit contenir le fichier CSV à importer.")
    return data


@bp.get("/notification-emails/export")
def export_notification_emails():
    query = read_query(EXPORT_PARAMS)
    organisation = query["organisation"]
    text = service.export_csv(current_actor(), organisation)
    name = f"emails-notification-{organisation or 'tous'}-{date.today().isoformat()}.csv"
    return current_app.response_class(
        text, content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'})
