"""`idp serve` runs gunicorn outside the CLI's app context, so every request gets its own
database session (a worker that inherited the CLI's context kept one session, and its locks,
across requests)."""

import os

from click.testing import CliRunner
from flask import has_app_context

from idp import serve
from idp.cli import command_group


def test_serve_starts_gunicorn_outside_any_app_context(app, monkeypatch):
    seen = {}

    def fake_run(self):
        seen["app_context"] = has_app_context()
        seen["bind"] = self.cfg.bind
        seen["workers"] = self.cfg.workers
        seen["control_socket"] = not self.cfg.control_socket_disable
        seen["access_log"] = self.cfg.accesslog

    monkeypatch.setattr(serve._Gunicorn, "run", fake_run)
    result = CliRunner().invoke(command_group(lambda: app),
                                ["serve", "--host", "127.0.0.1", "--port", "5099",
                                 "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert seen == {"app_context": False, "bind": ["127.0.0.1:5099"], "workers": 3,
                    "control_socket": False,  # a per-user path another server would take
                    "access_log": None}  # the app writes one line per request
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ  # made once the server listens
