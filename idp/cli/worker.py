"""`idp worker`: run the queued jobs and the periodic ones (Huey's consumer) until SIGTERM or
SIGINT, either of which lets the jobs under way finish first."""

from __future__ import annotations

import logging
import signal

import click
from flask.cli import ScriptInfo
from huey.consumer import Consumer

from ..observability import metrics

POLL_MAX_SECONDS = 1.0  # an idle worker looks at the queue at least once a second
SHUTDOWN_SECONDS = 30  # a stop waits this long for the jobs under way


class GracefulConsumer(Consumer):
    """Huey's consumer, stopping gracefully on SIGINT as on SIGTERM (Huey's option makes only
    one of the two graceful; a service manager sends the one, a terminal the other)."""

    def __init__(self, huey, **options):
        super().__init__(huey, graceful_signal="TERM", **options)
        self._signal_actions[signal.SIGINT] = (False, True)  # (restart, graceful)


@click.command("worker")
@click.option("--threads", type=click.IntRange(min=1),
              help="Jobs run side by side (default: JOB_WORKER_THREADS).")
def worker(threads: int | None) -> None:
    """Run the jobs of the queue: e-mails, back-channel logout, periodic jobs."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    if app.config["JOB_QUEUE_IMMEDIATE"]:
        raise click.ClickException("JOB_QUEUE_IMMEDIATE est activé : les tâches s'exécutent "
                                   "dans les requêtes, aucune n'attend un worker.")
    # The consumer's start, stop and each job run, in the provider's log format.
    logging.getLogger("huey").setLevel(logging.INFO)
    port = app.config["JOB_WORKER_METRICS_PORT"]
    if port:
        metrics.serve_alone(app.config["JOB_WORKER_METRICS_HOST"], port)
    consumer = GracefulConsumer(
        app.extensions["jobs"].huey, workers=threads or app.config["JOB_WORKER_THREADS"],
        worker_type="thread", periodic=True, max_delay=POLL_MAX_SECONDS,
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    consumer.run()
