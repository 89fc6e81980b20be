"""Settings of the demo webmail, read once from WEBMAIL_* environment variables.

Development values by default, except the client credentials, which the provider issues
(``idp demo`` writes them to instance/demo_webmail.env for ``make run``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEVELOPMENT_SECRET_KEY = "demo-webmail-development-only"  # noqa: S105 - refused off localhost

DEFAULTS: dict[str, Any] = {
    "ISSUER": "http://localhost:5000",
    "CLIENT_ID": "",
    "CLIENT_SECRET": "",
    "BASE_URL": "http://localhost:8000",
    "DATABASE_URL": f"sqlite:///{PROJECT_ROOT / 'instance' / 'webmail.sqlite3'}",
    "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
}


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message names it."""


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then WEBMAIL_<KEY> environment variables, then ``overrides``; checked."""
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        if f"WEBMAIL_{key}" in os.environ:
            settings[key] = os.environ[f"WEBMAIL_{key}"]
    settings.update(overrides or {})
    settings["ISSUER"] = settings["ISSUER"].rstrip("/")
    settings["BASE_URL"] = settings["BASE_URL"].rstrip("/")
    for key in ("CLIENT_ID", "CLIENT_SECRET"):
        if not settings[key]:
            raise SettingsError(f"WEBMAIL_{key} est obligatoire (voir instance/demo_webmail.env).")
    local = settings["BASE_URL"].startswith(("http://localhost", "http://127.0.0.1"))
    if settings["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY and not local:
        raise SettingsError("WEBMAIL_SECRET_KEY doit être changée hors de cette machine.")
    return settings
