"""Sign-in journeys as people make them, over HTTP with ``requests``: the authorization request,
the sign-in page, password with the e-mailed code as second factor (read from the benchmark's SMTP
server), the code page, the redirect to the client, and the client's redemption of the code."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from statistics import median, quantiles
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from . import processes
from .load import Run
from .mailbox import Mailbox
from .provider import CALLBACK, Credentials, Provider

PEOPLE = 4  # signing in at once


def pkce() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _form(page: requests.Response, action_suffix: str) -> tuple[str, str]:
    """(absolute action URL, CSRF token) of the page's form whose action ends with the suffix."""
    action = re.search(rf'action="([^"]*{re.escape(action_suffix)})"', page.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not (action and token):
        raise RuntimeError(f"no {action_suffix} form on {page.url} ({page.status_code})")
    return urljoin(page.url, action.group(1)), token.group(1)


class Journey:
    """One person's sign-in; ``timings`` are (seconds, is_the_password_step) per request."""

    def __init__(self, provider: Provider, client: Credentials, mailbox: Mailbox):
        self.provider = provider
        self.client = client
        self.mailbox = mailbox
        self.timings: list[tuple[float, bool]] = []

    def _send(self, browser: requests.Session, method: str, url: str, expect: int,
              password_step: bool = False, **options) -> requests.Response:
        start = time.perf_counter()
        answer = browser.request(method, urljoin(self.provider.issuer, url),
                                 allow_redirects=False, timeout=30, **options)
        self.timings.append((time.perf_counter() - start, password_step))
        if answer.status_code != expect:
            raise RuntimeError(f"{method} {url}: {answer.status_code} {answer.text[:200]}")
        return answer

    def run(self, address: str, password: str, notification: str) -> requests.Session:
        """The whole journey; the browser, signed in, afterwards."""
        browser = requests.Session()
        verifier, challenge = pkce()
        answer = self._send(browser, "GET", "/authorize", 302, params={
            "response_type": "code", "client_id": self.client.client_id,
            "redirect_uri": CALLBACK, "scope": "openid profile email",
            "state": secrets.token_hex(8), "nonce": secrets.token_hex(8),
            "code_challenge": challenge, "code_challenge_method": "S256"})
        page = self._send(browser, "GET", answer.headers["Location"], 200)
        action, csrf = _form(page, "/login")
        self.mailbox.forget(notification)
        answer = self._send(browser, "POST", action, 302, password_step=True, data={
            "username": address, "password": password, "factor": "email", "csrf_token": csrf})
        page = self._send(browser, "GET", answer.headers["Location"], 200)
        action, csrf = _form(page, "/code")
        code = self.mailbox.code_for(notification)
        answer = self._send(browser, "POST", action, 302, data={"code": code,
                                                              "csrf_token": csrf})
        while not answer.headers["Location"].startswith(CALLBACK):
            answer = self._send(browser, "GET", answer.headers["Location"], 302)
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        tokens = self._send(browser, "POST", "/token", 200, data={
            "grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": CALLBACK, "code_verifier": verifier},
            auth=(self.client.client_id, self.client.client_secret))
        if "id_token" not in tokens.json():
            raise RuntimeError("token answer without id_token")
        return browser


def journeys(provider: Provider, client: Credentials, mailbox: Mailbox,
             people: Iterator[tuple[str, str, str]]) -> Callable[[float], Run]:
    """Runs of PEOPLE threads each signing in again and again (a new browser each time) with
    the next of ``people`` (address, password, notification e-mail) until the time is up.

    Run: journeys/s, p50 of a whole journey, p99 of the requests other than the password step,
    server CPU per journey."""
    lock = threading.Lock()

    def run(seconds: float) -> Run:
        durations: list[float] = []
        outside_hash: list[float] = []
        failures: list[str] = []
        deadline = time.monotonic() + seconds

        def person() -> None:
            while time.monotonic() < deadline:
                with lock:
                    address, password, notification = next(people)
                journey = Journey(provider, client, mailbox)
                start = time.perf_counter()
                try:
                    journey.run(address, password, notification)
                except (RuntimeError, TimeoutError, requests.RequestException) as error:
                    failures.append(f"{address}: {error}")
                    continue
                durations.append(time.perf_counter() - start)
                outside_hash.extend(t for t, hashing in journey.timings if not hashing)

        before = processes.cpu_seconds(provider.pid)
        started = time.monotonic()
        threads = [threading.Thread(target=person) for _ in range(PEOPLE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        cpu = processes.cpu_seconds(provider.pid) - before
        if failures:
            print(f"{len(failures)} journeys failed, e.g. {failures[0]}", flush=True)
        if not durations:
            raise SystemExit("no sign-in journey succeeded")
        return Run(rate=len(durations) / elapsed, p50_ms=median(durations) * 1000,
                   p99_ms=quantiles(outside_hash, n=100)[98] * 1000,
                   cpu_ms=cpu * 1000 / len(durations), failures=len(failures))
    return run
