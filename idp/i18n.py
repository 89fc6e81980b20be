"""Which language people read: French first, English on request.

The locale is, in order: the ``ui_locales`` of the sign-in request being shown (first
supported value of the list; remembered in the browser's session by ``screens.page``, so the
later screens and e-mails of that journey keep it), then the browser's Accept-Language, then
French. Protocol answers, audit events, logs and the CLI are
not translated.

Python strings are marked with ``flask_babel.gettext`` at the time of use, or ``lazy_gettext``
for module constants; a lazy string is turned into ``str`` before it reaches a template, since
Jinja takes it for markup and would not escape it. The catalogs live in ``translations/``
(``make translations``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import has_request_context, request, session
from flask_babel import format_time, get_locale, refresh

SUPPORTED = ("fr", "en")
DEFAULT = "fr"
SESSION_KEY = "ui_locale"


def from_ui_locales(value: str) -> str | None:
    """The first supported language of a space-separated ``ui_locales`` list ("en-GB fr")."""
    for tag in (value or "").split():
        language = tag.split("-")[0].split("_")[0].lower()
        if language in SUPPORTED:
            return language
    return None


def remember_ui_locales(value: str) -> None:
    """Keep the language a client asked for with ``ui_locales`` for this browser's journey; a
    request without a supported one goes back to the browser's Accept-Language."""
    chosen = from_ui_locales(value)
    if session.get(SESSION_KEY) == chosen:
        return
    if chosen is None:
        session.pop(SESSION_KEY, None)
    else:
        session[SESSION_KEY] = chosen
    refresh()  # the locale may already have been chosen for this request


def clock_time(moment: datetime) -> str:
    """A time of day as people read it, in TIMEZONE, rounded up to the minute (never before
    ``moment``, a naive UTC time): "14 h 32" in French, "2:32 PM" in English."""
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return format_time(moment, "HH 'h' mm" if str(get_locale()) == "fr" else "h:mm a")


def template_context() -> dict[str, str]:
    """``current_locale`` for templates (``<html lang>``)."""
    return {"current_locale": str(get_locale() or DEFAULT)}


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        return DEFAULT
    asked = from_ui_locales(request.args.get("ui_locales", ""))  # /authorize's error page
    if asked:
        return asked
    remembered = session.get(SESSION_KEY)
    if remembered in SUPPORTED:
        return remembered
    return request.accept_languages.best_match(SUPPORTED) or DEFAULT
