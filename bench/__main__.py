"""`python -m bench`: the performance benchmark of issue 12, side by side with npm's
oidc-provider. See README.md ("Benchmarks") and bench/RESULTS.md."""

from __future__ import annotations

import argparse
import contextlib
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from . import databases, load, processes
from .load import Run
from .mailbox import Mailbox
from .peer import Peer
from .provider import WORKERS, Provider
from .report import memory_table, table
from .token_rows import introspection_sides, token_sides

ROWS = ("tokens", "introspection", "journeys", "admin")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(ROWS),
                        help=f"rows to run, comma-separated among {','.join(ROWS)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (default 3)")
    parser.add_argument("--seconds", type=float, default=10, help="length of one run")
    parser.add_argument("--accounts", default="1000",
                        help="account counts, comma-separated (e.g. 1000,1000000); the first "
                             "one serves every row, the others the admin row")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: one repeat of 2 seconds")
    options = parser.parse_args()
    options.only = [row.strip() for row in options.only.split(",") if row.strip()]
    if unknown := set(options.only) - set(ROWS):
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    options.accounts = [int(count) for count in options.accounts.split(",")]
    if options.quick:
        options.repeat, options.seconds = 1, 2
    return options


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    cores = len(__import__("os").sched_getaffinity(0))
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, {cores} cores "
            f"({model}), {WORKERS} gunicorn workers")


def interleave(rows: dict[str, dict], repeat: int) -> dict[str, dict[str, list[Run]]]:
    """Run every side of every row once unrecorded (warm-up: imports, caches, connections),
    then ``repeat`` times: here, peer, here, peer..."""
    for sides in rows.values():
        for run in sides.values():
            run()
    results = {row: {side: [] for side in sides} for row, sides in rows.items()}
    for number in range(1, repeat + 1):
        for row, sides in rows.items():
            for side, run in sides.items():
                outcome = run()
                results[row][side].append(outcome)
                print(f"[{number}/{repeat}] {row} / {side}: {outcome.rate:,.1f}/s, "
                      f"p99 {outcome.p99_ms:.1f} ms, CPU {outcome.cpu_ms:.2f} ms", flush=True)
    return results


def main() -> None:
    options = arguments()
    if {"tokens", "introspection"} & set(options.only):
        load.require_wrk()
    mailbox = Mailbox()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mailbox.listening())
        url = databases.database_url(databases.database_name(options.accounts[0], True),
                                     options.sqlite)
        provider = Provider(url, mailbox.port)
        provider.migrate()
        service = provider.service_client()
        stack.enter_context(provider.serving())
        peers = [stack.enter_context(Peer(kind).serving()) for kind in ("opaque", "jwt")]
        rows: dict[str, dict] = {}
        notes: dict[str, str] = {}
        if "tokens" in options.only:
            rows["client_credentials tokens (16 connections)"] = token_sides(
                provider, service, peers, options.seconds)
        if "introspection" in options.only:
            rows["introspections (16 connections)"] = introspection_sides(
                provider, service, peers[0], options.seconds)
        started = time.monotonic()
        results = interleave(rows, options.repeat)
        memory = {"here: worker": [processes.memory_mb(pid) for pid in provider.workers()],
                  "oidc-provider (opaque)": [processes.memory_mb(peers[0].pid)]}
        print(f"\n{machine()}, {'SQLite' if options.sqlite else 'PostgreSQL'}, "
              f"{options.repeat} runs of {options.seconds:g} s per side, interleaved "
              f"({time.monotonic() - started:.0f} s)\n")
        print(table(results, notes))
        print("\nMemory after the load:\n")
        print(memory_table(memory))


main()
