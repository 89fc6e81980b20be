"""What support staff, referents and administrators read: the audit trail (« Journal ») and
the delivery records of codes and links (« Envois »: whether and where a message went), each
filtered by person, organisation and period, the journal by event too (a prefix such as
"login." works). A filter that cannot be used shows the page again with the reason."""

from __future__ import annotations

from flask import request

from ...errors import IdpError
from ...extensions import db
from .. import records
from ..keyset import KeysetPage, moment_key, moment_key_text
from . import bp
from .access import admin_required, day, page, status_of
from .account_views import organisations_for, visible_addresses
from .paging import asked_position, pager_of

# Beginnings of event names offered in the journal's filter (any other prefix works too).
EVENT_PREFIXES = ("login.", "code.", "factor.", "password.", "session.", "notification_email.",
                  "admin.", "client.", "mailbox.", "federation.")
NOTHING = KeysetPage([], None, None)  # what a list shows when its filters are refused


def _filters(*names: str) -> dict[str, str]:
    return {name: request.args.get(name, "")[:254].strip() for name in names}


@bp.get("/journal")
@admin_required()
def journal(actor):
    typed = _filters("person", "organisation", "event", "since", "until")
    error, events = None, NOTHING
    try:
        events = records.audit_trail(
            actor, person=typed["person"] or None, organisation=typed["organisation"] or None,
            event=typed["event"] or None, since=day(typed["since"]),
            until=day(typed["until"], end=True), position=asked_position(moment_key))
    except IdpError as refused:
        db.session.rollback()
        error = refused
    emails = records.emails_of(event.user_id for event in events)
    return page("admin/journal.html", status=status_of(error) if error else 200,
                error=error.message if error else None, events=events.items, emails=emails,
                linked=visible_addresses(actor, emails.values()), typed=typed,
                organisations=organisations_for(actor), prefixes=EVENT_PREFIXES,
                links=pager_of(events, moment_key_text))


@bp.get("/envois")
@admin_required()
def deliveries(actor):
    typed = _filters("person", "organisation", "since", "until")
    error, sent = None, NOTHING
    try:
        sent = records.deliveries(
            actor, person=typed["person"] or None, organisation=typed["organisation"] or None,
            since=day(typed["since"]), until=day(typed["until"], end=True),
            position=asked_position(moment_key))
    except IdpError as refused:
        db.session.rollback()
        error = refused
    emails = records.emails_of(record.user_id for record in sent)
    return page("admin/deliveries.html", status=status_of(error) if error else 200,
                error=error.message if error else None, deliveries=sent.items, emails=emails,
                linked=visible_addresses(actor, emails.values()), typed=typed,
                organisations=organisations_for(actor), links=pager_of(sent, moment_key_text))
