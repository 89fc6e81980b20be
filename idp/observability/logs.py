"""The log format: one JSON object per line (LOG_FORMAT = "json"), or plain text to read in a
terminal ("text"). Every line of a request carries its id.

Log lines hold what the code chose to write: messages never include a password, a code, a
token or a secret, and the access line names the endpoint, never the path or the query.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask

from .per_request import current_request_id

# Fields of the access line (``per_request._record``), written when a record carries them.
FIELDS = ("method", "route", "status", "duration_ms", "client_id", "user_id")
LOGGER = "idp"  # the app's logger (Flask names it after the package); every module's is below


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, access fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage(), "request_id": current_request_id()}
        line.update((key, getattr(record, key)) for key in FIELDS if hasattr(record, key))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A line to read: time, level, request id, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = current_request_id() or "-"
        return super().format(record)


class _Stderr(logging.StreamHandler):
    """Writes to the standard error of the moment (a test may have replaced it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of LOG_FORMAT."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(app: Flask) -> None:
    """Send every log line of the process to standard error in LOG_FORMAT, through one handler
    on the root logger (the libraries' warnings too); the provider's own (``idp`` and below)
    from INFO up. Flask then adds no handler of its own."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    root.addHandler(handler)
    logger = logging.getLogger(LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
