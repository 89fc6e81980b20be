"""Notification e-mails in bulk in the admin API: the CSV file of ``idp.admin.notification_csv``
posted as the request body, checked line by line (a dry run by default) and applied with
``apply=true`` only when every line is valid; and the accounts exported in the same format.

The report answers as JSON. A file with a rejected line answers 422 with the whole report in
the problem (``lines``, ``counts``, ``summary``, ``applied``: false), and nothing is written,
whatever ``apply`` says. Once applied, a line the mail server then refused is reported as
rejected among the others, which were applied (200, ``applied``: true)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, request
from pydantic import Field

from .. import notification_csv as service
from . import answers
from .auth import current_actor
from .operations import operation
from .problems import Problem, invalid
from .shapes import Query, QueryFlag, QueryText

NOTIFICATION_EMAILS = "Adresses de notification"
MEDIA_TYPES = ("text/csv", "application/octet-stream")
CHARSETS = ("utf-8", "utf8", "us-ascii")
PROBLEM = {"$ref": "#/components/schemas/Problem"}


class ImportOptions(Query):
    apply: QueryFlag = Field(False, description="true : appliquer si aucune ligne n'est "
                                                "refusée ; false (défaut) : simulation, rien "
                                                "n'est écrit.")


class ExportFilters(Query):
    organisation: QueryText = Field(None, description="Identifiant de la structure (FINESS...) "
                                                      "; un référent : la sienne.")


# The import takes the CSV file itself as its body, and refuses it whole with 422.
CSV_UPLOAD = {
    "requestBody": {"required": True, "content": {
        media: {"schema": {"type": "string"}} for media in MEDIA_TYPES}},
    "responses": {
        "415": {"description": "Le corps n'est ni en text/csv ni en application/octet-stream, "
                               "ou son charset n'est pas UTF-8.",
                "content": {"application/problem+json": {"schema": PROBLEM}}},
        "422": {"description": "Paramètre ou fichier refusé ; une ligne refusée : le compte "
                               "rendu (lines, counts, summary, applied) accompagne le problème.",
                "content": {"application/problem+json": {"schema": {"allOf": [
                    PROBLEM, {"$ref": "#/components/schemas/NotificationImport"}]}}}},
    },
}
CSV_DOWNLOAD = {"responses": {"200": {"description": "OK", "content": {
    "text/csv": {"schema": {"type": "string"}}}}}}


def report_json(report: service.Report) -> dict[str, Any]:
    """An import's report: each line, the count of each outcome, the French summary."""
    return {
        "applied": report.applied,
        "summary": report.summary(),
        "counts": {outcome: report.count(outcome) for outcome in service.LABELS},
        "lines": [{"number": line.number, "address": line.address, "outcome": line.outcome,
                   "reason": line.reason} for line in report.lines],
    }


@operation("POST", "/notification-emails/import",
           "Importer des adresses de notification (CSV)", tag=NOTIFICATION_EMAILS,
           query=ImportOptions, answer=answers.NotificationImport, errors=(413, 415, 422),
           document=CSV_UPLOAD, description=(
               "Le fichier en UTF-8, séparateur « ; » ou « , », en-tête "
               "adresse_mssante;email_notification;nom;telephone;structure. Chaque ligne est "
               "vérifiée ; avec apply=true et aucune ligne refusée, les comptes inconnus sont "
               "créés et les nouvelles adresses de notification reçoivent un lien de "
               "confirmation. Une ligne refusée : 422, le compte rendu dans le problème, rien "
               "n'est écrit. Une fois l'import appliqué, une ligne dont le lien n'a pas pu être "
               "envoyé est signalée refusée, les autres restent appliquées."))
def import_notification_emails(query: ImportOptions):
    text = service.decode_upload(_csv_body())
    if "\x00" in text:  # as everywhere: no valid input holds NUL (PostgreSQL text cannot)
        raise invalid("Le fichier contient un caractère NUL : ce n'est pas un CSV valide.")
    report = service.import_csv(current_actor(), text, query.apply)
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


@operation("GET", "/notification-emails/export",
           "Exporter les adresses de notification (CSV)", tag=NOTIFICATION_EMAILS,
           query=ExportFilters, errors=(404,), document=CSV_DOWNLOAD,
           description="Les comptes visibles, au format de l'import ; le réimporter ne change "
                       "rien.")
def export_notification_emails(query: ExportFilters):
    organisation = query.organisation
    text = service.export_csv(current_actor(), organisation)
    name = f"emails-notification-{organisation or 'tous'}-{date.today().isoformat()}.csv"
    return current_app.response_class(
        text, content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'})
