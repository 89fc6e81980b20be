"""``demo-webmail serve``: the webmail behind gunicorn, with the app already built."""

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


def run(app: Flask, host: str, port: int, workers: int) -> None:
    """Serve ``app`` on host:port until interrupted.

    Runs in an empty context: the CLI has pushed an app context, and a worker that inherited it
    would share one database session between all its requests.
    """
    contextvars.Context().run(
        lambda: _Gunicorn(app, {"bind": f"{host}:{port}", "workers": workers,
                                "accesslog": "-", "control_socket_disable": True}).run()
    )
