"""Fixtures for the tests in a real browser: the provider served over HTTP on a free port (same
database and mail catcher as the session ``app``, issuer set to its own URL), Debian's Chromium
driven by Playwright, and the screenshots folder.

The relying party is a tiny HTTP server on another free port whose every page says the person
is signed in: only the client's callback is stood in for, every page of the provider is real.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from idp import create_app
from idp.extensions import db

from ..chromium import open_browser
from ..conftest import TEST_SETTINGS
from ..delivery_servers import HOST, free_port

PSC_CLIENT_ID = "psc-test-client"


@pytest.fixture(scope="session")
def live_server(app, mail_catcher) -> Iterator[str]:
    """The provider's base URL, served by werkzeug in a thread for the whole run, with Pro Santé
    Connect configured so the screen is the whole screen of the user guide."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    served = create_app({**TEST_SETTINGS, "ISSUER": url, "PSC_CLIENT_ID": PSC_CLIENT_ID,
                         "PSC_CLIENT_SECRET": "psc-test-secret",
                         "DATABASE_URL": app.config["DATABASE_URL"], **mail_catcher.settings})
    server = make_server(HOST, port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join()
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def browser(chromium):
    """A page in a fresh profile with JavaScript."""
    context = open_browser(chromium)
    yield context.new_page()
    context.close()


@pytest.fixture
def browser_without_javascript(chromium):
    """A page in a fresh profile with JavaScript turned off."""
    context = open_browser(chromium, javascript=False)
    yield context.new_page()
    context.close()
