"""The provider's Prometheus metrics (docs/monitoring.md lists them) and their exposition.

Label values are bounded: endpoints are Flask endpoint names, never paths; free values from
requests or events are folded into ``other`` (``bounded``). Under ``idp serve`` each worker
process writes its values to files in PROMETHEUS_MULTIPROC_DIR (``use_directory``) and a scrape
sums them over the workers; otherwise they live in this process's memory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("idp_http_requests", "HTTP requests answered, by Flask endpoint and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("idp_http_request_duration_seconds",
                    "Time from the start of Flask's handling to the response, by endpoint",
                    ["endpoint"])
SIGN_INS = Counter("idp_sign_in_steps",
                   "Sign-in steps by factor (password, email, sms, totp, recovery, upstream) "
                   "and result (success, failure, blocked)", ["factor", "result"])
CODES_SENT = Counter("idp_codes_sent", "Codes handed to a delivery channel, by outcome",
                     ["channel", "outcome"])
TOKENS = Counter("idp_tokens_issued", "Token responses issued, by grant type", ["grant"])
LOCKOUTS = Counter("idp_lockout_refusals",
                   "Attempts refused because the allowance is blocked by the lockout delay",
                   ["kind"])
RATE_LIMITED = Counter("idp_rate_limit_refusals", "Requests refused by a rate limit (429)",
                       ["endpoint"])
JOBS = Counter("idp_jobs", "Background jobs run, by job name and outcome (done, failed)",
               ["job", "outcome"])

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_queue_depth_sources: list[Callable[[], dict[str, int]]] = []  # at most one: this process's


def bounded(value: object, allowed: Iterable[str]) -> str:
    """``value`` when it is one of ``allowed``, else ``other``: label values stay few."""
    return value if isinstance(value, str) and value in allowed else "other"


def job_finished(job: str, failed: bool) -> None:
    """For the job queue: count one job run (``job`` is its registered name, a bounded set)."""
    JOBS.labels(job, "failed" if failed else "done").inc()


def report_queue_depth(source: Callable[[], dict[str, int]]) -> None:
    """For the job queue: ``source`` returns {queue name: jobs waiting}; called at each scrape,
    by one process, so the figure is the queue's own and not a sum over workers. The process's
    latest app reports its queue: a source reported again replaces the one before."""
    _queue_depth_sources[:] = [source]


class _QueueDepth:
    """Collector of ``idp_job_queue_depth`` from the sources the job queue reported."""

    def collect(self):
        family = GaugeMetricFamily("idp_job_queue_depth", "Jobs waiting, by queue",
                                   labels=["queue"])
        for source in _queue_depth_sources:
            try:
                depths = source()
            except Exception as error:  # noqa: BLE001 - an unreachable queue: no figure
                logging.getLogger(__name__).warning("job queue depth unreadable: %s",
                                                    type(error).__name__)
                continue
            for queue, depth in depths.items():
                family.add_metric([queue], depth)
        yield family

    def describe(self):
        return []


def use_directory(path: str) -> None:
    """Write every value from now on to files in ``path`` (prometheus_client's multiprocess
    mode), for processes forked later. prometheus_client chooses its value class when first
    imported; the app was built, and the library imported, before ``idp serve`` prepared the
    directory, so the choice is made again here (pinned by tests/test_metrics_exposition.py)."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    values.ValueClass = values.get_value_class()


def serve_alone(host: str, port: int) -> None:
    """Serve this process's metrics at http://host:port/ from a thread: a process outside
    ``idp serve``'s workers (the job worker), whose values no scrape of the nodes sums."""
    start_http_server(port, addr=host)


def process_ended(pid: int) -> None:
    """Drop the live gauges of a worker process that exited (its counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def exposition() -> tuple[bytes, str]:
    """The text of a scrape and its content type: every worker's values summed when they write
    to a directory, this process's otherwise; the queue depth as its sources report it."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QUEUE_DEPTH)
    return generate_latest(registry), CONTENT_TYPE_LATEST


QUEUE_DEPTH = _QueueDepth()
REGISTRY.register(QUEUE_DEPTH)
