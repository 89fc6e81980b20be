"""The load generator: wrk (Debian package ``wrk``) posting one form at a fixed number of
connections, with the CPU time the server spent meanwhile."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import processes

SCRIPT = Path(__file__).with_name("lua") / "post_form.lua"


@dataclass(frozen=True)
class Run:
    """One timed run of the load against one server."""

    rate: float  # successful requests per second
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU per successful request (all its processes)
    failures: int


def require_wrk() -> None:
    """Stop with the way to install wrk when it is missing."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with `sudo apt-get install -y wrk` "
                         "(Debian's package; the benchmark uses it as its load generator).")


def basic(client_id: str, client_secret: str) -> str:
    """The Authorization header of HTTP Basic client authentication (RFC 6749 2.3.1)."""
    pair = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def post_form(url: str, body: str, authorization: str, server_pid: int, seconds: float,
              connections: int = 16) -> Run:
    """Post ``body`` to ``url`` for ``seconds`` over ``connections`` kept-alive connections."""
    env = {**os.environ, "BENCH_BODY": body, "BENCH_AUTH": authorization}
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", str(SCRIPT), url]
    before = processes.cpu_seconds(server_pid)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    cpu = processes.cpu_seconds(server_pid) - before
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    counts = json.loads(line.removeprefix("BENCH "))
    succeeded = counts["requests"] - counts["non_2xx"]
    if succeeded <= 0:
        raise SystemExit(f"no successful request to {url}:\n{done.stdout}")
    return Run(rate=succeeded / (counts["duration_us"] / 1e6),
               p50_ms=counts["p50_us"] / 1000, p99_ms=counts["p99_us"] / 1000,
               cpu_ms=cpu * 1000 / succeeded,
               failures=counts["non_2xx"] + counts["socket_errors"])
