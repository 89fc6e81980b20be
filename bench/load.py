"""The load generator: wrk (Debian package ``wrk``) posting one form at a fixed number of
connections, with the CPU time the server spent meanwhile."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import processes

LUA = Path(__file__).with_name("lua")
THREADS = 2
CONNECTIONS = 16


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


def _wrk(url: str, script: str, settings: dict[str, str], server_pid: int, seconds: float,
         connections: int) -> Run:
    """Run wrk with ``script`` (bench/lua/) and BENCH_* ``settings`` for its Lua."""
    env = {**os.environ, "BENCH_LUA": str(LUA), "BENCH_THREADS": str(THREADS),
           **{f"BENCH_{name}": value for name, value in settings.items()}}
    command = ["wrk", "-t", str(THREADS), "-c", str(connections), "-d", f"{round(seconds)}s",
               "--timeout", "10s", "-s", str(LUA / script), url]
    before = processes.cpu_seconds(server_pid)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    cpu = processes.cpu_seconds(server_pid) - before
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    counts = json.loads(line.removeprefix("BENCH "))
    refused = counts["non_2xx"] - counts["spare"]
    succeeded = counts["requests"] - counts["non_2xx"]
    if succeeded <= 0:
        raise SystemExit(f"no successful request to {url}:\n{done.stdout}")
    return Run(rate=succeeded / (counts["duration_us"] / 1e6),
               p50_ms=counts["p50_us"] / 1000, p99_ms=counts["p99_us"] / 1000,
               cpu_ms=cpu * 1000 / succeeded,
               failures=refused + counts["socket_errors"])


def post_form(url: str, body: str, authorization: str, server_pid: int, seconds: float,
              connections: int = CONNECTIONS) -> Run:
    """Post ``body`` to ``url`` for ``seconds`` over ``connections`` kept-alive connections."""
    return _wrk(url, "post_form.lua", {"BODY": body, "AUTH": authorization}, server_pid,
                seconds, connections)


def post_pool(url: str, script: str, pool: list[str], authorization: str, server_pid: int,
              seconds: float, connections: int = CONNECTIONS) -> Run:
    """Post with ``script`` (form_pool.lua: each form once; refresh_chain.lua: rotating refresh
    tokens) the lines of ``pool``, for ``seconds`` at most."""
    with tempfile.NamedTemporaryFile("w", suffix=".pool") as file:
        file.write("\n".join(pool) + "\n")
        file.flush()
        return _wrk(url, script, {"POOL": file.name, "AUTH": authorization}, server_pid,
                    seconds, connections)
