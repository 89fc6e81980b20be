"""``idp serve``: the provider behind gunicorn, with the app already built.

gunicorn's asyncio worker (``worker.py``) accepts and reads every request on an event loop,
under deadlines; only a request that has fully arrived reaches Flask, in a pool of threads
(``whole_request.py``). Slow or stalled clients therefore hold no thread, and several worker
processes share the CPU work (password hashing) between the cores.
"""

from __future__ import annotations

import contextvars

from flask import Flask
from gunicorn.app.base import BaseApplication

from ..settings import SettingsError, is_development
from .monitoring import metrics_hooks, server_logger
from .whole_request import WholeRequests
from .worker import SlowClientWorker


class UnsharedRateLimits(SettingsError):
    """Several worker processes without Redis: each would keep its own rate-limit counters."""


class _Gunicorn(BaseApplication):
    def __init__(self, app: WholeRequests, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WholeRequests:
        return self._app


def run(app: Flask, host: str, port: int, workers: int | None = None) -> None:
    """Serve ``app`` on host:port until interrupted; ``workers`` processes (SERVE_WORKERS).

    Refuses (``UnsharedRateLimits``) several processes without REDIS_URL outside development.
    Runs in an empty context: the CLI has pushed an app context, and a worker that inherited it
    would reuse one database session for every request instead of one per request.
    """
    workers = workers or app.config["SERVE_WORKERS"]
    _check_rate_limits_shared(app, workers)
    contextvars.Context().run(_serve, app, host, port, workers)


def _check_rate_limits_shared(app: Flask, workers: int) -> None:
    """Rate-limit counters live in Redis, or in each process's memory: with N processes and no
    Redis, every limit would be N times looser."""
    if workers == 1 or app.config["REDIS_URL"]:
        return
    problem = (f"{workers} worker processes (SERVE_WORKERS or --workers) without REDIS_URL: each "
               f"would count the rate limits on its own, {workers} times looser")
    if not is_development(app.config):
        raise UnsharedRateLimits(f"{problem}. Set REDIS_URL (IDP_REDIS_URL=redis://...) or run "
                                 "one process (SERVE_WORKERS = 1); only ENVIRONMENT = "
                                 '"development" tolerates it.')
    app.logger.warning("%s (tolerated: ENVIRONMENT is development)", problem)


def _serve(app: Flask, host: str, port: int, workers: int) -> None:
    config = app.config
    _Gunicorn(
        WholeRequests(app, config["SERVE_THREADS"], config["SERVE_REQUEST_READ_TIMEOUT_SECONDS"]),
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": SlowClientWorker,
            "asgi_lifespan": "off",  # nothing to start or stop with the worker
            "accesslog": None,  # the app writes each request's line (observability.per_request)
            "logger_class": server_logger(config["LOG_FORMAT"]),
            **metrics_hooks(),
            "forwarded_allow_ips": "127.0.0.1" if config["TRUSTED_PROXIES"] else "",
            # gunicorn's control socket sits at one path per user: a second server (the demo
            # webmail, a test) would take it over. Nothing here uses it.
            "control_socket_disable": True,
        },
    ).run()
