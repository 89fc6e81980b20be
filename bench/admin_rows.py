"""The admin rows: the admin API's account list (first and last page), its searches (a family
name, the start of an address, a term found nowhere) and the journal (first and last page),
each timed one request after the other with an administrator's service token.

The API pages by key (``last=true``). A provider from before keyset pages (its answers have no
``next_after``) is asked for its last page by number, counted from its database."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from statistics import median, quantiles

import requests

from . import databases, processes
from .load import Run
from .provider import Credentials, Provider

REQUESTS = 10  # per run
ACCOUNTS, JOURNAL = "/admin/api/users", "/admin/api/audit"
CASES = {
    "account list, first page": (ACCOUNTS, {}),
    "account list, last page": (ACCOUNTS, {"last": "true"}),
    "search of a family name (bernard, 1 %)": (ACCOUNTS, {"search": "bernard"}),
    "search of an address's start (bench00001, 100)": (ACCOUNTS, {"search": "bench00001"}),
    "search of a term found nowhere (zzzq)": (ACCOUNTS, {"search": "zzzq"}),
    "journal, first page": (JOURNAL, {}),
    "journal, last page": (JOURNAL, {"last": "true"}),
}
TABLES = {ACCOUNTS: "users", JOURNAL: "audit_events"}  # what a numbered last page counts


def _bearer(provider: Provider, client: Credentials) -> str:
    answer = requests.post(provider.issuer + "/token", timeout=10,
                           data={"grant_type": "client_credentials", "scope": "admin"},
                           auth=(client.client_id, client.client_secret))
    answer.raise_for_status()
    return "Bearer " + answer.json()["access_token"]


def _numbered_last(provider: Provider, bearer: str, path: str) -> dict[str, str] | None:
    """``page=N`` of the last page when the provider has no keyset pages, else None."""
    first = requests.get(provider.issuer + path, headers={"Authorization": bearer}, timeout=120)
    first.raise_for_status()
    if "next_after" in first.json():
        return None
    rows = databases.row_count(provider.database_url, TABLES[path])
    return {"page": str(max(1, math.ceil(rows / first.json()["page_size"])))}


def _timed(provider: Provider, client: Credentials, path: str,
           params: dict[str, str]) -> Callable[[float], Run]:
    """Runs of REQUESTS sequential GETs of ``path`` with ``params`` (a last page by number
    for a provider without keyset pages); the time given is not used (a run is a number of
    requests). A failure is any answer but 200."""
    def run(_seconds: float) -> Run:
        bearer = _bearer(provider, client)
        asked = params
        if params.get("last"):
            asked = _numbered_last(provider, bearer, path) or params
        browser = requests.Session()
        browser.headers["Authorization"] = bearer
        latencies, failures = [], 0
        before = processes.cpu_seconds(provider.pid)
        for _ in range(REQUESTS):
            start = time.perf_counter()
            answer = browser.get(provider.issuer + path, params=asked, timeout=120)
            latencies.append(time.perf_counter() - start)
            failures += answer.status_code != 200
        cpu = processes.cpu_seconds(provider.pid) - before
        return Run(rate=REQUESTS / sum(latencies), p50_ms=median(latencies) * 1000,
                   p99_ms=quantiles(latencies, n=100)[98] * 1000,
                   cpu_ms=cpu * 1000 / REQUESTS, failures=failures)
    return run


def row_name(case: str, accounts: int) -> str:
    """The table's row of ``case`` at ``accounts`` accounts."""
    return f"admin {case}, {accounts:,} accounts"


def rows(providers: dict[int, dict[str, Provider]]) -> dict[str, dict[str, Callable]]:
    """Every case at every account count, each side (here, baseline) on its own provider of
    that count: ``providers[count][side]``."""
    admins = {count: {side: provider.admin_client() for side, provider in sides.items()}
              for count, sides in providers.items()}
    return {row_name(case, count): {
        side: _timed(provider, admins[count][side], path, params)
        for side, provider in sides.items()}
        for case, (path, params) in CASES.items() for count, sides in providers.items()}


def scale_notes(results: dict[str, dict[str, list[Run]]], counts: list[int]) -> dict[str, str]:
    """For each case at each further count, each side's median p50 divided by its p50 at the
    first count (the aim: within 1.2)."""
    notes = {}
    for case in CASES:
        smallest = results[row_name(case, counts[0])]
        for count in counts[1:]:
            for side, runs in results[row_name(case, count)].items():
                ratio = (median(run.p50_ms for run in runs)
                         / median(run.p50_ms for run in smallest[side]))
                notes[f"{row_name(case, count)}/{side}"] = (
                    f"p50 ÷ p50 at {counts[0]:,} accounts: {ratio:.2f}")
    return notes
