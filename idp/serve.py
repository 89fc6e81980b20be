"""``idp serve``: the provider behind gunicorn, with the app already built."""

from __future__ import annotations

import contextvars

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def run(app: Flask, host: str, port: int, workers: int | None = None) -> None:
    """Serve ``app`` on host:port until interrupted.

    Runs in an empty context: the CLI has pushed an app context, and a worker that inherited it
    would reuse one database session for every request instead of one per request.
    """
    contextvars.Context().run(_serve, app, host, port, workers)


def _serve(app: Flask, host: str, port: int, workers: int | None) -> None:
    _Gunicorn(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers or app.config["SERVE_WORKERS"],
            "accesslog": "-",
            "forwarded_allow_ips": "127.0.0.1" if app.config["TRUSTED_PROXIES"] else "",
            # gunicorn's control socket sits at one path per user: a second server (the demo
            # webmail, a test) would take it over. Nothing here uses it.
            "control_socket_disable": True,
        },
    ).run()
