"""Processes seen from outside: start a server and wait until it answers, stop it, and read the
CPU time and memory of a process and its children from /proc."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import requests

HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port free right now on HOST."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path, ready_url: str,
          cwd: Path | None = None) -> subprocess.Popen:
    """Start ``command`` with its output in ``log``; return once ``ready_url`` answers."""
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=sink,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(ready_url, timeout=2).close()
            return process
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                problem = f"{command[0]} did not start; its log:\n{log.read_text()}"
                raise SystemExit(problem) from None
            time.sleep(0.2)


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log: Path, ready_url: str,
            cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """``command`` started (``start``) until the block ends, then stopped (``stop``)."""
    process = start(command, env, log, ready_url, cwd=cwd)
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM, then SIGKILL if the process has not ended after ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers of its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its living children, all their threads."""
    total = 0.0
    for each in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, private) of one process in MB, from /proc/<pid>/smaps_rollup."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, amount = line.split(":", 1)
        values[name] = int(amount.split()[0])
    private = values["Private_Clean"] + values["Private_Dirty"]
    return values["Rss"] / 1024, private / 1024
