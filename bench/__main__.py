"""`python -m bench`: the performance benchmark of issue 12, side by side with npm's
oidc-provider. See README.md ("Benchmarks") and bench/RESULTS.md."""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from . import admin_rows, databases, load, people, processes, trees
from .code_rows import redemption_sides, refresh_sides
from .journeys import PEOPLE, journeys
from .load import Run
from .mailbox import Mailbox
from .password_cost import verification_ms
from .peer import Peer
from .provider import WORKERS, Provider
from .report import memory_table, table
from .seed_accounts import account_email
from .token_rows import introspection_sides, token_sides
from .trees import HERE, Tree

ROWS = ("tokens", "introspection", "codes", "refresh", "journeys", "admin")
WARM_UP_SECONDS = 2


def arguments() -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(ROWS),
                        help=f"rows to run, comma-separated among {','.join(ROWS)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (default 3)")
    parser.add_argument("--seconds", type=int, default=10,
                        help="length of one run, whole seconds (10)")
    parser.add_argument("--accounts", default="1000",
                        help="account counts, comma-separated (e.g. 1000,1000000); the first "
                             "one serves every row, each other one the admin rows only")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run of 2 s")
    parser.add_argument("--baseline", metavar="PATH",
                        help="another checkout of the project, with its own .venv, run as a "
                             "third side on databases of its own (bench_base...)")
    options = parser.parse_args()
    options.only = [row.strip() for row in options.only.split(",") if row.strip()]
    if unknown := set(options.only) - set(ROWS):
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    options.accounts = [int(count.replace("_", "")) for count in options.accounts.split(",")]
    if options.quick:
        options.repeat, options.seconds = 1, 2
    options.trees = [HERE] + ([trees.baseline(options.baseline)] if options.baseline else [])
    return options


def load_average() -> str:
    """The 1-minute load average: the machine may be busy with more than this benchmark."""
    return Path("/proc/loadavg").read_text().split()[0]


def machine(database: str, checkouts: list[Tree]) -> str:
    """Date, commits, cores, CPU model, workers and database of this run."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    commits = ", ".join(f"{tree.side} at {tree.commit()}" for tree in checkouts)
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {commits}, "
            f"{len(os.sched_getaffinity(0))} cores ({model}), idp serve with {WORKERS} workers, "
            f"{database}")


def interleave(rows: dict[str, dict], repeat: int,
               seconds: float) -> dict[str, dict[str, list[Run]]]:
    """Run every side of every row once, briefly and unrecorded (warm-up: imports, caches,
    connections), then ``repeat`` times in turn: here, peer, here, peer..."""
    for sides in rows.values():
        for run in sides.values():
            run(min(WARM_UP_SECONDS, seconds))
    results = {row: {side: [] for side in sides} for row, sides in rows.items()}
    for number in range(1, repeat + 1):
        for row, sides in rows.items():
            for side, run in sides.items():
                outcome = run(seconds)
                results[row][side].append(outcome)
                print(f"[{number}/{repeat}] {row} / {side}: {outcome.rate:,.1f}/s, "
                      f"p50 {outcome.p50_ms:.1f} ms, p99 {outcome.p99_ms:.1f} ms, "
                      f"CPU {outcome.cpu_ms:.2f} ms", flush=True)
    return results


def seeded_database(tree: Tree, count: int, first: bool, sqlite: bool) -> str:
    """The URL of ``tree``'s database of ``count`` accounts, seeded with that tree's code
    (idempotent, kept between runs; skipped when the last account is there: the seeding writes
    them in order)."""
    url = databases.database_url(tree.database_name(count, first), sqlite)
    if databases.has_account(url, account_email(count)):
        print(f"{count:,} accounts already in {url}", flush=True)
        return url
    print(f"Seeding {count:,} accounts into {url} (kept for the next runs; a million takes "
          "minutes the first time)...", flush=True)
    started = time.monotonic()
    subprocess.run([tree.python, HERE.root / "bench" / "seed_accounts.py", "--database-url", url,
                    "--count", str(count)], cwd=tree.root, check=True)
    print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    return url


JOURNEY_ROW = f"sign-in journeys/s, {PEOPLE} people at once (p99 outside the hash)"
WRK_ROWS = {"tokens", "introspection", "codes", "refresh"}


def started(tree: Tree, count: int, first: bool, options: argparse.Namespace,
            mailbox: Mailbox, stack: contextlib.ExitStack) -> Provider:
    """``tree``'s provider on its database of ``count`` accounts (seeded, migrated, analysed),
    serving until ``stack`` closes."""
    provider = Provider(tree, seeded_database(tree, count, first, options.sqlite), mailbox.port)
    provider.migrate()
    databases.analyze(provider.database_url)
    return stack.enter_context(provider.serving())


def started_peers(only: list[str], stack: contextlib.ExitStack) -> list[Peer]:
    """The peers the rows need: opaque and JWT access tokens for the token row, else opaque
    for any other row that wrk drives."""
    if "tokens" in only:
        return [stack.enter_context(Peer(kind).serving()) for kind in ("opaque", "jwt")]
    if WRK_ROWS & set(only):
        return [stack.enter_context(Peer("opaque").serving())]
    return []


def protocol_rows(only: list[str], provider: Provider, mailbox: Mailbox, accounts: int,
                  peers: list[Peer]) -> dict[str, dict]:
    """The rows of the protocol endpoints and of the journeys: ``provider`` as side "here",
    then the peers."""
    rows: dict[str, dict] = {}
    service = provider.service_client()
    if "tokens" in only:
        rows["client_credentials tokens/s (16 connections)"] = token_sides(
            provider, service, peers)
    if "introspection" in only:
        rows["introspections/s (16 connections)"] = introspection_sides(
            provider, service, peers[0])
    web = provider.web_client()
    people_in_turn = people.in_turn(accounts)
    if "codes" in only:
        rows["authorization_code redemptions/s (16 connections)"] = redemption_sides(
            provider, web, mailbox, people_in_turn, peers[0])
    if "refresh" in only:
        rows["refresh (rotating) tokens/s (16 connections)"] = refresh_sides(
            provider, web, mailbox, people_in_turn, peers[0])
    if "journeys" in only:
        rows[JOURNEY_ROW] = {"here": journeys(provider, web, mailbox, people_in_turn)}
    return rows


def every_side(only: list[str], providers: dict[str, Provider], mailbox: Mailbox,
               accounts: int, peers: list[Peer]) -> dict[str, dict]:
    """The protocol rows with each checkout's provider as a side (here, baseline), then the
    peers."""
    each = {side: protocol_rows(only, provider, mailbox, accounts, peers)
            for side, provider in providers.items()}
    return {row: {**{side: each[side][row]["here"] for side in providers},
                  **{side: run for side, run in sides.items() if side != "here"}}
            for row, sides in each["here"].items()}


def journey_notes(results: dict[str, dict[str, list[Run]]],
                  provider: Provider) -> dict[str, str]:
    """Each side's CPU per journey set against one argon2id verification measured now."""
    if JOURNEY_ROW not in results:
        return {}
    hashing = verification_ms(provider.env)
    return {f"{JOURNEY_ROW}/{side}": (
        f"CPU per journey ÷ one argon2id verification ({hashing:.1f} ms): "
        f"{median(run.cpu_ms for run in runs) / hashing:.1f}×")
        for side, runs in results[JOURNEY_ROW].items()}


def main() -> None:
    """Start everything, run the rows asked for, print the tables."""
    options = arguments()
    if WRK_ROWS & set(options.only):
        load.require_wrk()
    counts = options.accounts if "admin" in options.only else options.accounts[:1]
    mailbox = Mailbox()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mailbox.listening())
        providers = {count: {tree.side: started(tree, count, index == 0, options, mailbox,
                                                stack) for tree in options.trees}
                     for index, count in enumerate(counts)}
        peers = started_peers(options.only, stack)
        rows = every_side(options.only, providers[counts[0]], mailbox, counts[0], peers)
        if "admin" in options.only:
            rows.update(admin_rows.rows(providers))
        started_at, load_before = time.monotonic(), load_average()
        results = interleave(rows, options.repeat, options.seconds)
        here = providers[counts[0]]["here"]
        notes = journey_notes(results, here)
        if "admin" in options.only:
            notes.update(admin_rows.scale_notes(results, counts))
        memory = {f"{side}: worker": [processes.memory_mb(pid) for pid in provider.workers()]
                  for side, provider in providers[counts[0]].items()}
        for peer in peers:
            memory[f"oidc-provider ({peer.token_format})"] = [processes.memory_mb(peer.pid)]
        database = "SQLite" if options.sqlite else "PostgreSQL"
        print(f"\n{machine(database, options.trees)}; {options.repeat} runs of "
              f"{options.seconds:g} s per side, interleaved, in "
              f"{time.monotonic() - started_at:.0f} s; load average {load_before} before, "
              f"{load_average()} after; medians (min–max)\n")
        print(table(results, notes))
        print("\nMemory after the load:\n")
        print(memory_table(memory))


main()
