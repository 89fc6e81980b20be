"""The project's exception tree and the handlers that turn errors into clear answers.

Domain services raise ``IdpError`` subclasses with a message for people (French); views and the
CLI show that message. HTTP errors get a small page, or JSON for API-style clients; an
unexpected error is logged and answered with a generic 500 page that reveals nothing. A database
that cannot be reached is not a bug of ours: 503 with Retry-After and one warning in the log
(``database_unavailable``), and the next request tries the database again. Page titles and
messages are French source text, shown in English when asked for (``i18n``).
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

#: The database cannot serve now: refused or lost connections, a server shutting down, a lock
#: or a transaction conflict it gave up on (DB-API's OperationalError), or no free connection in
#: the pool. Every such error is temporary from the caller's point of view.
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)


class IdpError(Exception):
    """A domain rule was broken; ``message`` says so in words a person understands."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(IdpError):
    """Input that cannot be accepted (bad address, unknown organisation...)."""


class NotFound(IdpError):
    """The thing asked for does not exist."""


class Conflict(IdpError):
    """The thing to create already exists."""


class Forbidden(IdpError):
    """The person or service acting may not do this (their role does not allow it)."""


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def _error_page(status: int, title: str, message: str, headers: dict[str, str] | None = None):
    """The page (French, or English on request), or for JSON clients a stable code
    (``not_found``) and the message."""
    if _wants_json():
        code = HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        return {"error": code, "error_description": str(message)}, status, headers or {}
    return (
        render_template(
            "error.html",
            title=str(title),  # lazy strings count as markup: make them text to escape them
            message=str(message),
            support=current_app.config["SUPPORT_CONTACT"],
        ),
        status,
        headers or {},
    )


def sign_in_error_page(error: str, description: str | None = None):
    """The 400 page of a sign-in or logout request that cannot go on (never a redirect):
    ``error`` is the OAuth error code, or "expired" for a request that is over."""
    return render_template(
        "oidc/authorize_error.html",
        error=error,
        description=description,
        support=current_app.config["SUPPORT_CONTACT"],
    ), 400


def database_unavailable(error: Exception) -> dict[str, str]:
    """Log, in one line and without a traceback, that the database failed this request (its
    endpoint, not its path: a reset link's token travels in the path); the headers of the 503
    answer (Retry-After, never cached)."""
    reason = getattr(error, "orig", None) or error
    current_app.logger.warning(
        "database unavailable: %s %s: %s: %s", request.method, request.endpoint,
        type(reason).__name__, " ".join(str(reason).split()),
    )
    return {"Retry-After": str(current_app.config["DATABASE_RETRY_AFTER_SECONDS"]),
            "Cache-Control": "no-store"}


def database_unavailable_page(error: Exception):
    """The 503 page for people (JSON for a client that asks for it) when the database failed."""
    return _error_page(503, TITLES[503], MESSAGES[503], database_unavailable(error))


def register_error_handlers(app: Flask) -> None:
    """Answer every HTTP error with a clear page and never leak a traceback."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Keep what the error says in headers (Allow on 405, Retry-After...), not its body type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return _error_page(
            status, TITLES.get(status, _l("Erreur")), MESSAGES.get(status, MESSAGES[400]), headers
        )

    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, database_unavailable_page)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unexpected error", exc_info=error)
        return _error_page(500, TITLES[500], MESSAGES[500])


TITLES = {
    400: _l("Requête invalide"),
    401: _l("Authentification requise"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    413: _l("Requête trop volumineuse"),
    429: _l("Trop de tentatives"),
    500: _l("Erreur interne"),
    503: _l("Service momentanément indisponible"),
}
MESSAGES = {
    400: _l("La requête est invalide."),
    401: _l("Authentification requise."),
    403: _l("Accès refusé."),
    404: _l("Cette page n'existe pas."),
    405: _l("Méthode non autorisée."),
    413: _l("La requête est trop volumineuse."),
    429: _l("Trop de tentatives. Veuillez patienter avant de réessayer."),
    500: _l("Une erreur inattendue s'est produite. Veuillez réessayer plus tard."),
    503: _l("Le service est momentanément indisponible. Veuillez réessayer dans quelques "
            "instants."),
}
