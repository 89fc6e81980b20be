"""Timing of the administration at scale, through the admin API of running providers: the
account list (first and last page), searches (a family name, the start of an address, a term
found nowhere) and the journal (first and last page), each the median of several calls.

Several providers (before and after a change, 1,000 and 1,000,000 accounts) are timed in
interleaved rounds, so that a noisy machine weighs on all of them alike:

    python -m bench.admin_search \\
        --target after http://127.0.0.1:5001 postgresql+psycopg://.../after 1000000 \\
        --target before http://127.0.0.1:5002 postgresql+psycopg://.../before 1000000

Each target's database gets an administrator service client (``idp clients create``) whose
token the calls carry. A provider without keyset pages (no ``next_after`` in its answer) is
asked for its last page by number. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

IDP = str(Path(sys.executable).with_name("idp"))
ACCOUNTS_PAGE, JOURNAL_PAGE = 50, 100
CASES = {
    "accounts, first page": ("/admin/api/users", {}),
    "accounts, last page": ("/admin/api/users", {"last": "true"}),
    "search, family name": ("/admin/api/users", {"search": "bernard"}),
    "search, start of an address": ("/admin/api/users", {"search": "bench00004"}),
    "search, found nowhere": ("/admin/api/users", {"search": "zzzq"}),
    "journal, first page": ("/admin/api/audit", {}),
    "journal, last page": ("/admin/api/audit", {"last": "true"}),
}


def admin_bearer(base_url: str, database_url: str) -> str:
    """An access token of scope ``admin`` for a new administrator service client of the
    provider at ``base_url`` (registered in ``database_url`` by the ``idp`` command)."""
    created = subprocess.run(  # noqa: S603 - the project's own command, fixed arguments
        [IDP, "clients", "create", "--name", "Banc d'essai de l'administration",
         "--grant-type", "client_credentials", "--scope", "admin", "--admin-role", "admin",
         "--json"], env={**os.environ, "IDP_DATABASE_URL": database_url},
        capture_output=True, text=True, check=True)
    client = json.loads(created.stdout)
    answer = requests.post(f"{base_url}/token", timeout=30,
                           data={"grant_type": "client_credentials", "scope": "admin"},
                           auth=(client["client_id"], client["client_secret"]))
    answer.raise_for_status()
    return answer.json()["access_token"]


def call_ms(base_url: str, bearer: str, path: str, params: dict[str, str]) -> float:
    """Milliseconds of one GET of the admin API (which must answer 200)."""
    started = time.perf_counter()
    answer = requests.get(base_url + path, params=params, timeout=120,
                          headers={"Authorization": f"Bearer {bearer}"})
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    return elapsed


def cases_for(base_url: str, bearer: str, accounts: int) -> dict[str, tuple[str, dict]]:
    """CASES as this provider understands them: last pages by number without keyset pages."""
    first = requests.get(base_url + "/admin/api/users", timeout=120,
                         headers={"Authorization": f"Bearer {bearer}"})
    first.raise_for_status()
    if "next_after" in first.json():
        return CASES
    return {**CASES,
            "accounts, last page": ("/admin/api/users",
                                    {"page": str(math.ceil(accounts / ACCOUNTS_PAGE))}),
            "journal, last page": ("/admin/api/audit",
                                   {"page": str(math.ceil(accounts / JOURNAL_PAGE))})}


def time_admin(base_url: str, bearer: str, accounts: int,
               repeat: int = 5) -> dict[str, list[float]]:
    """Milliseconds of each case, ``repeat`` times, for the provider at ``base_url``."""
    cases = cases_for(base_url, bearer, accounts)
    return {name: [call_ms(base_url, bearer, path, params) for _ in range(repeat)]
            for name, (path, params) in cases.items()}


def compare(targets: dict[str, tuple[str, str, int]],
            repeat: int) -> dict[str, dict[str, list[float]]]:
    """Each case on each target (name: (base URL, bearer, accounts)), in ``repeat``
    interleaved rounds."""
    cases = {name: cases_for(url, bearer, accounts)
             for name, (url, bearer, accounts) in targets.items()}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in targets}
    for _ in range(repeat):
        for case in CASES:
            for name, (url, bearer, _accounts) in targets.items():
                path, params = cases[name][case]
                times[name].setdefault(case, []).append(call_ms(url, bearer, path, params))
    return times


def table(times: dict[str, dict[str, list[float]]]) -> str:
    """Medians (min-max) in milliseconds, one column per target."""
    names = list(times)
    lines = ["| case | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for case in CASES:
        cells = []
        for name in names:
            values = times[name][case]
            cells.append(f"{statistics.median(values):.1f} ({min(values):.1f}-"
                         f"{max(values):.1f})")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Command line: time the targets and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", nargs=4, action="append", required=True,
                        metavar=("NAME", "BASE_URL", "DATABASE_URL", "ACCOUNTS"),
                        help="a provider, its database and how many accounts it holds")
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    targets = {name: (url, admin_bearer(url, database_url), int(accounts))
               for name, url, database_url, accounts in arguments.target}
    print(table(compare(targets, arguments.repeat)))


if __name__ == "__main__":
    main()
