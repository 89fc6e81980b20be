"""The audit trail and the delivery records of codes and links, newest first, in pages."""

from __future__ import annotations

from pydantic import Field

from .. import records
from . import answers
from .auth import current_actor
from .operations import operation
from .shapes import Page, Query, QueryText, Since, Until

JOURNALS = "Journaux"


class DeliveryFilters(Query):
    person: QueryText = Field(None, description="Adresse MSSanté de la personne concernée.")
    organisation: QueryText = Field(None, description="Identifiant de la structure des "
                                                      "personnes concernées.")
    since: Since = Field(None, description="Depuis (ISO 8601, UTC par défaut ; une date "
                                           "seule : à partir du début de ce jour).")
    until: Until = Field(None, description="Jusqu'à (ISO 8601, UTC par défaut ; une date "
                                           "seule : jusqu'à la fin de ce jour).")
    page: Page = Field(1, description=f"Page de résultats ({records.PAGE_SIZE} par page).")


class AuditFilters(DeliveryFilters):
    event: QueryText = Field(None, description="Nom d'événement ou préfixe (« login. » par "
                                               "exemple).")


@operation("GET", "/audit", "Journal d'audit, du plus récent au plus ancien", tag=JOURNALS,
           query=AuditFilters, answer=answers.AuditPage, errors=(404,))
def audit(query: AuditFilters):
    events = records.audit_trail(current_actor(), **query.model_dump())
    emails = records.emails_of(event.user_id for event in events)
    return {"items": [records.describe_event(event, emails) for event in events],
            "page": query.page, "page_size": records.PAGE_SIZE}


@operation("GET", "/deliveries", "Envois de codes et de liens, du plus récent au plus ancien",
           tag=JOURNALS, query=DeliveryFilters, answer=answers.DeliveryPage, errors=(404,))
def deliveries(query: DeliveryFilters):
    found = records.deliveries(current_actor(), **query.model_dump())
    emails = records.emails_of(record.user_id for record in found)
    return {"items": [records.describe_delivery(record, emails) for record in found],
            "page": query.page, "page_size": records.PAGE_SIZE}
