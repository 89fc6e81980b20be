"""A real upstream OpenID provider configured like Pro Santé Connect, for the federation tests.

``PscUpstream`` runs ``node tests/upstream/psc.mjs`` (npm's oidc-provider) on a free port with the
given clients and accounts, and sets its faults; ``psc_upstream`` is the same as a context manager.
The browser stand-ins (``sign_in_upstream``, ``cancel_upstream``, ``passes_without_login``,
``confirm_upstream_logout``) drive its pages with a ``requests.Session`` holding its cookies.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.delivery_servers import HOST, free_port

UPSTREAM = Path(__file__).resolve().parent.parent / "upstream"
REALM_PATH = "/auth/realms/esante-wallet"
DEFAULT_ACR = "eidas1"


class PscUpstream:
    """The PSC stand-in: construct with its clients and accounts, then start it (or use ``with``).

    ``clients``: oidc-provider client metadata (client_id, client_secret, redirect_uris,
    post_logout_redirect_uris, id_token_signed_response_alg, userinfo_signed_response_alg...).
    ``accounts``: account id -> claims; the special keys "acr" (None for no acr; "eidas1" when
    absent) and "amr" set the authentication of that account's sign-ins.
    """

    def __init__(self, folder: Path, clients: list[dict], accounts: dict[str, dict]):
        self.folder = folder
        self.clients = clients
        self.accounts = accounts
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.issuer = self.base_url + REALM_PATH
        self.discovery_url = self.issuer + "/.well-known/wallet-openid-configuration"
        self._process: subprocess.Popen | None = None

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        response = requests.get(self.discovery_url, timeout=5)
        response.raise_for_status()
        return response.json()

    def set_faults(self, **faults: Any) -> None:
        """Faults of the next token responses, until cleared: id_token_claims (merged, None
        removes a claim), id_token_signing_secret (HS256 with this secret), token_status."""
        response = requests.post(self.base_url + "/test/faults", json=faults, timeout=5)
        response.raise_for_status()

    def clear_faults(self) -> None:
        """Back to correct token responses."""
        self.set_faults()

    def start(self) -> None:
        """Start the node process; skips without node_modules, fails the test with its log if
        it does not answer."""
        node = shutil.which("node")
        if node is None or not (UPSTREAM / "node_modules" / "oidc-provider").is_dir():
            pytest.skip("the PSC upstream needs Node.js and its packages: "
                        "npm ci --prefix tests/upstream")
        env = {**os.environ, "PORT": str(self.port), "ISSUER": self.issuer,
               "CLIENTS": json.dumps(self.clients), "ACCOUNTS": json.dumps(self.accounts)}
        log = self.folder / "psc-upstream.log"
        with log.open("w") as sink:
            self._process = subprocess.Popen([node, str(UPSTREAM / "psc.mjs")], env=env,
                                             cwd=UPSTREAM, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.discovery_url, timeout=1).close()
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.stop()
                    pytest.fail("the PSC upstream did not start:\n" + log.read_text())
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the node process."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def __enter__(self) -> PscUpstream:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def psc_upstream(folder: Path, clients: list[dict],
                 accounts: dict[str, dict]) -> Iterator[PscUpstream]:
    """A started PscUpstream writing its log in ``folder``, stopped when the block ends."""
    with PscUpstream(folder, clients, accounts) as upstream:
        yield upstream


class _Forms(HTMLParser):
    """The forms of a page by id: action, and the fields a browser would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = {"action": attributes.get("action", ""), "fields": {}}
            self.forms[attributes.get("id", str(len(self.forms)))] = self._current
        elif tag in ("input", "button") and self._current is not None and "name" in attributes:
            self._current["fields"].setdefault(attributes["name"], attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _forms(response: requests.Response) -> dict[str, dict[str, Any]]:
    parser = _Forms()
    parser.feed(response.text)
    return parser.forms


def _submit(browser: requests.Session, response: requests.Response, form_id: str,
            **fields: str) -> requests.Response:
    """Post the form ``form_id`` of the page with its own fields and ``fields``."""
    form = _forms(response).get(form_id)
    if form is None:
        raise AssertionError(f"no form {form_id!r} at {response.url}:\n{response.text[:2000]}")
    return browser.post(urljoin(response.url, form["action"]), data={**form["fields"], **fields},
                        allow_redirects=False)


def _follow(browser: requests.Session, url: str, stop: str,
            on_page: Callable[[requests.Response], requests.Response | None],
            ) -> str | requests.Response:
    """Follow redirects from ``url`` until one goes to ``stop``: that Location, not followed.
    ``on_page`` answers a page (posts a form), or returns None: then that page is returned."""
    response = browser.get(url, allow_redirects=False)
    for _ in range(20):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(stop):
                return location
            response = browser.get(location, allow_redirects=False)
        elif response.status_code == 200 and (answer := on_page(response)) is not None:
            response = answer
        else:
            return response
    raise AssertionError(f"too many upstream redirects from {url}")


def _location(result: str | requests.Response) -> str:
    """The Location reached by ``_follow``, or an error showing the page it stopped at."""
    if isinstance(result, str):
        return result
    raise AssertionError(f"unexpected upstream answer {result.status_code} at {result.url}:\n"
                         f"{result.text[:2000]}")


def _login_page(response: requests.Response) -> bool:
    return "login" in _forms(response)


def sign_in_upstream(browser: requests.Session, authorize_url: str, account_id: str,
                     redirect_uri: str) -> str:
    """Sign in at the upstream as ``account_id`` (when it asks); the callback URL with code and
    state."""
    def answer(page: requests.Response) -> requests.Response | None:
        if not _login_page(page) or 'class="error"' in page.text:
            return None  # an unknown account: stop at the page showing the error
        return _submit(browser, page, "login", login=account_id)

    return _location(_follow(browser, authorize_url, redirect_uri, answer))


def cancel_upstream(browser: requests.Session, authorize_url: str, redirect_uri: str) -> str:
    """Cancel at the upstream's login page; the callback URL carrying error=access_denied."""
    def answer(page: requests.Response) -> requests.Response | None:
        return _submit(browser, page, "cancel") if _login_page(page) else None

    return _location(_follow(browser, authorize_url, redirect_uri, answer))


def passes_without_login(browser: requests.Session, authorize_url: str,
                         redirect_uri: str) -> bool:
    """True when the upstream sends straight back to ``redirect_uri`` with a code (its session
    is alive), False when it shows its login page."""
    result = _follow(browser, authorize_url, redirect_uri, lambda page: None)
    if not isinstance(result, str) and _login_page(result):
        return False
    callback = _location(result)
    return "code" in parse_qs(urlsplit(callback).query)


def confirm_upstream_logout(browser: requests.Session, end_session_url: str,
                            post_logout_redirect_uri: str) -> str:
    """Follow the upstream's logout, confirming it; the final Location (not followed)."""
    def answer(page: requests.Response) -> requests.Response | None:
        if "op.logoutForm" not in _forms(page):
            return None
        return _submit(browser, page, "op.logoutForm", logout="yes")

    return _location(_follow(browser, end_session_url, post_logout_redirect_uri, answer))
