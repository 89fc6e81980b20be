"""The record of each request: its id, its timing, its metrics and its access log line.

The request id comes from ``X-Request-ID`` when a trusted proxy sets it (TRUSTED_PROXIES > 0)
and it is short and plain (``REQUEST_ID``), else it is made here; the response carries it back.
The access log line names the Flask endpoint, never the path or the query (a reset link's
token travels in the path, a code in the query): one line per request, from the app.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, current_app, g, has_request_context, request

from . import metrics

REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
HEADER = "X-Request-ID"
access_log = logging.getLogger("idp.access")


def install(app: Flask) -> None:
    """Time every request from its very first hook, and record it after the last one."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request_funcs.setdefault(None, []).insert(0, _record)  # after-hooks run last first
    app.config["RATELIMIT_ON_BREACH_CALLBACK"] = _rate_limited  # Flask-Limiter's setting


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def note(user_id: int | None = None, client_id: str | None = None) -> None:
    """Remember who the request concerns, for its log line (the first person and client
    named win: an audit event of the request, a token issued)."""
    if not has_request_context():
        return
    if user_id is not None and g.get("log_user_id") is None:
        g.log_user_id = user_id
    if client_id is not None and g.get("log_client_id") is None:
        g.log_client_id = client_id


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _request_id()


def _request_id() -> str:
    offered = request.headers.get(HEADER)
    if (offered and current_app.config["TRUSTED_PROXIES"]
            and REQUEST_ID.fullmatch(offered)):
        return offered
    return secrets.token_hex(16)


def _record(response: Response) -> Response:
    started = g.get("request_started")
    request_id = g.get("request_id") or _request_id()
    response.headers[HEADER] = request_id
    duration = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.endpoint or "unmatched"
    method = metrics.bounded(request.method, metrics.METHODS)
    metrics.REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    metrics.LATENCY.labels(endpoint).observe(duration)
    access_log.info("%s %s %s", method, endpoint, response.status_code, extra={
        "route": endpoint, "method": method, "status": response.status_code,
        "duration_ms": round(duration * 1000, 2), "user_id": g.get("log_user_id"),
        "client_id": g.get("log_client_id")})
    return response


def _rate_limited(_limit) -> None:
    """Flask-Limiter's breach hook, called for each limit exceeded: count the request once;
    its 429 answer is left as it is."""
    if not g.get("rate_limit_counted"):
        g.rate_limit_counted = True
        metrics.RATE_LIMITED.labels(request.endpoint or "unmatched").inc()
