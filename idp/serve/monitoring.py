"""What ``idp serve`` prepares for monitoring: a fresh metrics directory shared by its worker
processes, dropped when the server stops, and gunicorn's own log lines in LOG_FORMAT."""

from __future__ import annotations

import shutil
import tempfile

from gunicorn.glogging import Logger

from ..observability import logs, metrics


def metrics_hooks() -> dict:
    """gunicorn hooks that give each server start a fresh metrics directory, once it listens
    and before the workers fork; forget each exited worker's live values; remove the directory
    when the server stops (a server killed with SIGKILL leaves it in TMPDIR)."""
    made: list[str] = []

    def when_ready(_server) -> None:
        made.append(tempfile.mkdtemp(prefix="idp-metrics-"))
        metrics.use_directory(made[-1])

    def child_exit(_server, worker) -> None:
        metrics.process_ended(worker.pid)

    def on_exit(_server) -> None:
        for directory in made:
            shutil.rmtree(directory, ignore_errors=True)

    return {"when_ready": when_ready, "child_exit": child_exit, "on_exit": on_exit}


def server_logger(log_format: str) -> type[Logger]:
    """gunicorn's logger class writing its messages (start, workers, timeouts) in
    ``log_format``; its access log stays off: the app writes one line per request."""

    class ServerLogger(Logger):
        def setup(self, cfg) -> None:
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(logs.formatter(log_format))

    return ServerLogger
