"""A real provider (`idp serve`, gunicorn) on a free port with the demo data and the webmail
registered, sending its codes to the test mail catcher; the webmail served by werkzeug in a
thread (so the provider can reach its back-channel logout endpoint); a browser stand-in."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from clients.demo_webmail import create_app
from clients.demo_webmail.extensions import db

from ..delivery_servers import HOST, free_port
from ..provider_process import RealProvider

PASSWORD = "demo-mssante-2026"
JEANNE = "jeanne.martin@demo.mssante.fr"
PAUL = "paul.durand@demo.mssante.fr"
ORG_BOX = "secretariat.cardiologie@demo.mssante.fr"


@dataclass
class Stack:
    """The provider's issuer and database, the webmail's URL and app."""

    issuer: str
    webmail_url: str
    webmail: Flask
    idp: callable
    idp_database: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mail_catcher) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("webmail")
    provider = RealProvider(tmp, MAIL_SERVER=HOST, MAIL_PORT=str(mail_catcher.smtp_port),
                            MAIL_USE_TLS="false")
    webmail_port = free_port()
    webmail_url = f"http://{HOST}:{webmail_port}"
    provider.run("db", "upgrade")
    provider.run("demo")
    credentials = json.loads(provider.run(
        "clients", "create", "--name", "Webmail", "--first-party", "--json",
        "--redirect-uri", f"{webmail_url}/auth/callback",
        "--post-logout-redirect-uri", f"{webmail_url}/",
        "--backchannel-logout-uri", f"{webmail_url}/auth/backchannel-logout"))
    with provider.serving():
        webmail = create_app({"ISSUER": provider.issuer, "BASE_URL": webmail_url,
                              "CLIENT_ID": credentials["client_id"],
                              "CLIENT_SECRET": credentials["client_secret"],
                              "DATABASE_URL": f"sqlite:///{tmp / 'webmail.sqlite3'}"})
        server = make_server(HOST, webmail_port, webmail, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield Stack(provider.issuer, webmail_url, webmail, provider.run,
                    provider.folder / "idp.sqlite3")
        server.shutdown()
        thread.join()
        server.server_close()
        with webmail.app_context():
            db.engine.dispose()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A browser stand-in with its own cookies."""
    with requests.Session() as session:
        yield session


def form_post(browser, page, action_suffix: str, **fields):
    """Submit the form of ``page`` whose action ends with ``action_suffix`` (with its CSRF)."""
    action = re.search(rf'action="([^"]*{re.escape(action_suffix)})"', page.text).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    return browser.post(urljoin(page.url, action), data={"csrf_token": token, **fields})


def latest_code(mail_catcher) -> str:
    """The code of the newest e-mail."""
    return re.search(r"\b(\d{6})\b", mail_catcher.messages("email")[0]["text"]).group(1)


def sign_in(browser, stack, mail_catcher, user=JEANNE):
    """Sign in to the webmail through the provider: password, then the e-mailed code."""
    page = browser.get(stack.webmail_url + "/auth/login")
    assert page.url.startswith(stack.issuer), page.url
    page = form_post(browser, page, "/login", username=user, password=PASSWORD, factor="email")
    page = form_post(browser, page, "/code", code=latest_code(mail_catcher))
    assert page.url.startswith(stack.webmail_url), page.url
    return page
