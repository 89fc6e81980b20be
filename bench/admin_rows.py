"""The admin rows: the admin API's account search and its last page, timed one request after the
other with a service client's token (role admin), at each account count."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from statistics import median, quantiles

import requests

from . import processes
from .load import Run
from .provider import Credentials, Provider
from .seed_accounts import account_email

PAGE_SIZE = 50  # idp.admin.accounts.PAGE_SIZE
REQUESTS = 20  # per run


def _token(provider: Provider, client: Credentials) -> str:
    answer = requests.post(provider.issuer + "/token", timeout=10,
                           data={"grant_type": "client_credentials", "scope": "admin"},
                           auth=(client.client_id, client.client_secret))
    answer.raise_for_status()
    return answer.json()["access_token"]


def timed(provider: Provider, client: Credentials,
          query: Callable[[int], dict[str, str]]) -> Callable[[float], Run]:
    """Runs of REQUESTS sequential GET /admin/api/users with the parameters ``query(i)``;
    the time given is not used (a run is a number of requests)."""
    def run(_seconds: float) -> Run:
        browser = requests.Session()
        browser.headers["Authorization"] = f"Bearer {_token(provider, client)}"
        latencies = []
        failures = 0
        before = processes.cpu_seconds(provider.pid)
        for number in range(REQUESTS):
            start = time.perf_counter()
            answer = browser.get(provider.issuer + "/admin/api/users", params=query(number),
                                 timeout=120)
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 200 or not answer.json()["items"]:
                failures += 1
        cpu = processes.cpu_seconds(provider.pid) - before
        return Run(rate=REQUESTS / sum(latencies), p50_ms=median(latencies) * 1000,
                   p99_ms=quantiles(latencies, n=100)[98] * 1000,
                   cpu_ms=cpu * 1000 / REQUESTS, failures=failures)
    return run


def search(provider: Provider, client: Credentials, count: int) -> Callable[[float], Run]:
    """A search for one account's address, a different account each request."""
    step = max(1, count // REQUESTS)
    return timed(provider, client,
                 lambda i: {"search": account_email(1 + (i * step + 7) % count)[:12]})


def last_page(provider: Provider, client: Credentials, count: int) -> Callable[[float], Run]:
    """The last page of the whole list (by address), as someone paging to the end reads it."""
    last = math.ceil(count / PAGE_SIZE)
    return timed(provider, client, lambda _i: {"page": str(last)})
