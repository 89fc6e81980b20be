"""A real provider (`idp serve`, gunicorn) on a free port with the demo data and the webmail
registered, sending its codes to the test mail catcher; the webmail served by werkzeug in a
thread (so the provider can reach its back-channel logout endpoint); a browser stand-in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from clients.demo_webmail import create_app
from clients.demo_webmail.extensions import db

from ..delivery_servers import HOST, free_port

IDP = os.path.join(os.path.dirname(sys.executable), "idp")
PASSWORD = "demo-mssante-2026"
JEANNE = "jeanne.martin@demo.mssante.fr"
PAUL = "paul.durand@demo.mssante.fr"
ORG_BOX = "secretariat.cardiologie@demo.mssante.fr"


@dataclass
class Stack:
    """The provider's issuer, the webmail's URL and app."""

    issuer: str
    webmail_url: str
    webmail: Flask
    idp: callable


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mail_catcher) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("webmail")
    port, webmail_port = free_port(), free_port()
    issuer, webmail_url = f"http://{HOST}:{port}", f"http://{HOST}:{webmail_port}"
    env = {**os.environ, "IDP_ISSUER": issuer,
           "IDP_DATABASE_URL": f"sqlite:///{tmp / 'idp.sqlite3'}",
           "IDP_PASSWORD_HASH_MEMORY_KIB": "1024", "IDP_SERVE_WORKERS": "2",
           "IDP_MAIL_SERVER": HOST, "IDP_MAIL_PORT": str(mail_catcher.smtp_port),
           "IDP_MAIL_USE_TLS": "false",
           "IDP_DEMO_WEBMAIL_ENV_FILE": str(tmp / "demo_webmail.env")}
    env.pop("IDP_CONFIG", None)

    def idp(*args):
        return subprocess.run([IDP, *args], env=env, cwd=tmp, text=True, capture_output=True,
                              check=True).stdout

    idp("db", "upgrade")
    idp("demo")
    credentials = json.loads(idp(
        "clients", "create", "--name", "Webmail", "--first-party", "--json",
        "--redirect-uri", f"{webmail_url}/auth/callback",
        "--post-logout-redirect-uri", f"{webmail_url}/",
        "--backchannel-logout-uri", f"{webmail_url}/auth/backchannel-logout"))
    log = tmp / "serve.log"
    with log.open("w") as sink:
        provider = subprocess.Popen([IDP, "serve", "--host", HOST, "--port", str(port)],
                                    env=env, cwd=tmp, stdout=sink, stderr=subprocess.STDOUT)
    _wait_for(issuer + "/.well-known/openid-configuration", provider, log)
    webmail = create_app({"ISSUER": issuer, "BASE_URL": webmail_url,
                          "CLIENT_ID": credentials["client_id"],
                          "CLIENT_SECRET": credentials["client_secret"],
                          "DATABASE_URL": f"sqlite:///{tmp / 'webmail.sqlite3'}"})
    server = make_server(HOST, webmail_port, webmail, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Stack(issuer, webmail_url, webmail, idp)
    server.shutdown()
    thread.join()
    server.server_close()
    with webmail.app_context():
        db.engine.dispose()
    provider.terminate()
    provider.wait(timeout=10)


def _wait_for(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=1).close()
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("idp serve did not start:\n" + log.read_text())
            time.sleep(0.2)


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
