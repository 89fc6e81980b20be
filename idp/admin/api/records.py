"""The audit trail and the delivery records of codes and links, newest first, in pages."""

from __future__ import annotations

from .. import records
from . import bp
from .auth import current_actor
from .schema import Param, read_query

FILTERS = {
    "person": Param("string", "Adresse MSSanté de la personne concernée."),
    "organisation": Param("string", "Identifiant de la structure des personnes concernées."),
    "since": Param("date-time", "Depuis (ISO 8601, UTC par défaut ; une date seule : "
                                "à partir du début de ce jour)."),
    "until": Param("date-time", "Jusqu'à (ISO 8601, UTC par défaut ; une date seule : "
                                "jusqu'à la fin de ce jour)."),
}
AUDIT_PARAMS = {
    **FILTERS,
    "event": Param("string", "Nom d'événement ou préfixe (« login. » par exemple)."),
    "page": Param("page", f"Page de résultats ({records.PAGE_SIZE} par page)."),
}
DELIVERY_PARAMS = {
    **FILTERS,
    "page": Param("page", f"Page de résultats ({records.PAGE_SIZE} par page)."),
}


@bp.get("/audit")
def audit():
    query = read_query(AUDIT_PARAMS)
    events = records.audit_trail(current_actor(), **query)
    emails = records.emails_of(event.user_id for event in events)
    return {"items": [records.describe_event(event, emails) for event in events],
            "page": query["page"], "page_size": records.PAGE_SIZE}


@bp.get("/deliveries")
def deliveries():
    query = read_query(DELIVERY_PARAMS)
    found = records.deliveries(current_actor(), **query)
    emails = records.emails_of(record.user_id for record in found)
    return {"items": [records.describe_delivery(record, emails) for record in found],
            "page": query["page"], "page_size": records.PAGE_SIZE}
