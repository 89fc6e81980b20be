"""``/healthz``, ``/readyz`` and ``/metrics``, answered in front of Flask (``Probes``).

Probers call these every few seconds: they skip Flask's hooks (session, CSRF, rate limits,
NUL check, access log line) and run only their own work. They sit behind ProxyFix, so the
address that ``/metrics`` checks is the client's as the trusted proxies report it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json

from flask import Flask
from werkzeug.wrappers import Request, Response

from ..observability import metrics
from . import checks

PATHS = ("/healthz", "/readyz", "/metrics")


class Probes:
    """WSGI middleware: the three probe paths are answered here, the rest goes to ``wrapped``."""

    def __init__(self, app: Flask, wrapped):
        self.app = app
        self.wrapped = wrapped
        config = app.config
        self.networks = [ipaddress.ip_network(n) for n in config["METRICS_ALLOWED_NETWORKS"]]
        self.token = config["METRICS_BEARER_TOKEN"].encode()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path not in PATHS:
            return self.wrapped(environ, start_response)
        request = Request(environ)
        if request.method not in ("GET", "HEAD"):
            response = _json({"error": "method_not_allowed"}, 405)
            response.headers["Allow"] = "GET, HEAD"
        elif path == "/healthz":
            response = _json({"status": "ok"}, 200)
        elif path == "/readyz":
            response = self._readiness()
        else:
            response = self._metrics(request)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response(environ, start_response)

    def _readiness(self) -> Response:
        with self.app.app_context():
            failed = checks.failing()
        if failed:
            return _json({"status": "not ready", "failing": failed}, 503)
        return _json({"status": "ready", "checks": list(checks.CHECKS)}, 200)

    def _metrics(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body, content_type = metrics.exposition()
        return Response(body, 200, content_type=content_type)

    def _refusal(self, request: Request) -> Response | None:
        """None when the scraper may read: a listed network, or the bearer token."""
        presented = request.authorization
        if self.token and presented is not None and presented.type == "bearer" and \
                hmac.compare_digest((presented.token or "").encode(), self.token):
            return None
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            address = None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address is not None and any(address in network for network in self.networks):
            return None
        if self.token:
            response = _json({"error": "invalid_token"}, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return _json({"error": "forbidden"}, 403)


def _json(document: dict, status: int) -> Response:
    return Response(json.dumps(document), status, content_type="application/json")
