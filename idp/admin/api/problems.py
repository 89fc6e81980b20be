"""Errors of the admin API as problem details (RFC 9457): ``application/problem+json`` with
``type``, ``title`` (the HTTP status phrase), ``status`` and a ``detail`` in French.

Domain errors keep their message: ValidationError 422, NotFound 404, Conflict 409, Forbidden 403.
A database out of reach answers 503 with Retry-After, like the rest of the provider.
Unknown URLs and wrong methods under /admin/api answer problems too, not the HTML error page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as UnknownUrl
from werkzeug.http import HTTP_STATUS_CODES

from ...errors import (
    DATABASE_UNAVAILABLE,
    MESSAGES,
    Conflict,
    Forbidden,
    IdpError,
    NotFound,
    ValidationError,
    database_unavailable,
)
from ...extensions import db
from . import answers, bp

MEDIA_TYPE = "application/problem+json"
STATUS_OF = {ValidationError: 422, NotFound: 404, Conflict: 409, Forbidden: 403}


class Problem(Exception):
    """An answer the API gives instead of a result: status, French detail, extra members
    (``error``: the OAuth error code of a token problem) and headers (WWW-Authenticate)."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None,
                 **members: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.members = members


def response(status: int, detail: str, headers: dict[str, str] | None = None, **members: Any):
    """A problem details response, in the shape the OpenAPI document declares."""
    body = answers.Problem(type="about:blank", title=HTTP_STATUS_CODES.get(status, "Error"),
                           status=status, detail=str(detail), **members)
    result = current_app.response_class(body.model_dump_json(exclude_unset=True),
                                        status=status, mimetype=MEDIA_TYPE)
    result.headers.update(headers or {})
    return result


def invalid(detail: str) -> Problem:
    """A 422 problem: the request is well-formed but its values cannot be used."""
    return Problem(422, detail)


def _in_api() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


@bp.before_app_request
def unknown_route():
    """A URL under /admin/api that no route serves, or a method it does not allow. (Routing
    errors never reach a blueprint's own error handlers, so the check happens here.)"""
    error = request.routing_exception
    if _in_api() and isinstance(error, UnknownUrl | MethodNotAllowed):
        return http_error(error)
    return None


@bp.errorhandler(Problem)
def problem(error: Problem):
    db.session.rollback()
    return response(error.status, error.detail, error.headers, **error.members)


@bp.errorhandler(IdpError)
def domain_error(error: IdpError):
    """A service refused: nothing it began is kept."""
    db.session.rollback()
    status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 422)
    return response(status, error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return response(status, MESSAGES.get(status, MESSAGES[400]), headers)


def _database_unavailable(error: Exception):
    """The database failed this call: 503 with Retry-After; the caller may try again."""
    return response(503, MESSAGES[503], database_unavailable(error))


# Here, not only on the app: the blueprint's own Exception handler is looked up before the app's.
for _kind in DATABASE_UNAVAILABLE:
    bp.register_error_handler(_kind, _database_unavailable)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    current_app.logger.exception("unexpected error in the admin API", exc_info=error)
    db.session.rollback()
    return response(500, MESSAGES[500])


@bp.after_request
def no_store(result):
    """Accounts and audit records must not linger in caches."""
    result.headers["Cache-Control"] = "no-store"
    return result
