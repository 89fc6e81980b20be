"""The audit trail and the delivery records of codes and links, newest first, in pages."""

from __future__ import annotations

from pydantic import Field

from .. import records
from ..keyset import moment_key, moment_key_text
from . import answers
from .auth import current_actor
from .operations import operation
from .paging import PagedQuery, page_answer, position_of
from .shapes import Page, QueryText, Since, Until

JOURNALS = "Journaux"


class DeliveryFilters(PagedQuery):
    person: QueryText = Field(None, description="Adresse MSSanté de la personne concernée.")
    organisation: QueryText = Field(None, description="Identifiant de la structure des "
                                                      "personnes concernées.")
    since: Since = Field(None, description="Depuis (ISO 8601, UTC par défaut ; une date "
                                           "seule : à partir du début de ce jour).")
    until: Until = Field(None, description="Jusqu'à (ISO 8601, UTC par défaut ; une date "
                                           "seule : jusqu'à la fin de ce jour).")
    page: Page = Field(1, description=f"Page numérotée ({records.PAGE_SIZE} par page), lue "
                                      "après la position donnée ; after et before vont aussi "
                                      "vite à toute page.")


class AuditFilters(DeliveryFilters):
    event: QueryText = Field(None, description="Nom d'événement ou préfixe (« login. » par "
                                               "exemple).")


@operation("GET", "/audit", "Journal d'audit, du plus récent au plus ancien", tag=JOURNALS,
           query=AuditFilters, answer=answers.AuditPage, errors=(404,))
def audit(query: AuditFilters):
    events = records.audit_trail(current_actor(), **_filters(query),
                                 position=position_of(query, moment_key))
    emails = records.emails_of(event.user_id for event in events)
    return page_answer(events, [records.describe_event(event, emails) for event in events],
                       query.page, records.PAGE_SIZE, moment_key_text)


@operation("GET", "/deliveries", "Envois de codes et de liens, du plus récent au plus ancien",
           tag=JOURNALS, query=DeliveryFilters, answer=answers.DeliveryPage, errors=(404,))
def deliveries(query: DeliveryFilters):
    found = records.deliveries(current_actor(), **_filters(query),
                               position=position_of(query, moment_key))
    emails = records.emails_of(record.user_id for record in found)
    return page_answer(found, [records.describe_delivery(record, emails) for record in found],
                       query.page, records.PAGE_SIZE, moment_key_text)


def _filters(query: DeliveryFilters) -> dict:
    """The query's filters and page number, as the record services take them."""
    return query.model_dump(exclude={"after", "before", "last"})
