"""Debian's Chromium driven by Playwright, for every test that needs a real browser; skipped
with a clear reason where Chromium is not installed (.ci/run installs it, and fails rather than
skips: ``tests.required``). ``IDP_TEST_CHROMIUM`` names another executable. Also the relying
party's callback page the browser lands on at the end of a sign-in."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .delivery_servers import HOST

CHROMIUM = Path(os.environ.get("IDP_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, started once; the tests are skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_browser(chromium, javascript: bool = True):
    """A fresh browser profile: no cookie, a laptop's screen, French."""
    return chromium.new_context(java_script_enabled=javascript, locale="fr-FR",
                                viewport={"width": 1024, "height": 760})


@pytest.fixture(scope="session")
def screenshot():
    """Save a full-page screenshot as tests/artifacts/<name>.png (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


RELYING_PARTY_PAGE = "<!doctype html><title>Webmail</title><p>Connecté au webmail.</p>".encode()


class RelyingPartyCallback(ThreadingHTTPServer):
    """A relying party's redirect URI: answers RELYING_PARTY_PAGE; ``calls`` holds the URLs the
    browser was sent to (a Playwright route cannot see the target of a server's redirect)."""

    def __init__(self) -> None:
        super().__init__((HOST, 0), _Callback)
        self.calls: list[str] = []
        self.redirect_uri = f"http://{HOST}:{self.server_address[1]}/callback"


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        if not self.path.startswith("/callback"):  # the browser's /favicon.ico
            self.send_error(404)
            return
        self.server.calls.append(f"http://{HOST}:{self.server.server_address[1]}{self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(RELYING_PARTY_PAGE)))
        self.end_headers()
        self.wfile.write(RELYING_PARTY_PAGE)

    def log_message(self, *_args):
        """Keep the test output quiet."""


@pytest.fixture(scope="session")
def relying_party() -> Iterator[RelyingPartyCallback]:
    """The relying party's callback, served for the whole run."""
    server = RelyingPartyCallback()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()
