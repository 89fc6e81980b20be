"""PostgreSQL refuses connections: a real `idp serve` answers 503 with Retry-After everywhere,
in the shape each kind of caller reads (OAuth JSON on the protocol endpoints, problem details
on the admin API, a French page, or English on request, for people), logs one warning per
request and no traceback, and serves again by itself once the database is back."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlencode

import pytest
import requests

from idp import create_app
from idp.extensions import db

from .conftest import TEST_SETTINGS
from .provider_process import RealProvider

FRENCH_PAGE = "Le service est momentanément indisponible"
ENGLISH_PAGE = "The service is temporarily unavailable"
WEBMAIL_CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory, refusable_database):
    """A provider on the refusable database, with a service client of the admin API and a
    webmail."""
    real = RealProvider(tmp_path_factory.mktemp("outage"), DATABASE_URL=refusable_database.url,
                        KEYS_CACHE_SECONDS="1")
    real.run("db", "upgrade")
    service = json.loads(real.run("clients", "create", "--name", "Outil", "--grant-type",
                                  "client_credentials", "--scope", "admin", "--admin-role",
                                  "admin", "--json"))
    webmail = json.loads(real.run("clients", "create", "--name", "Webmail", "--redirect-uri",
                                  WEBMAIL_CALLBACK, "--first-party", "--json"))
    with real.serving():
        yield real, service, webmail["client_id"]


def calls(real: RealProvider, service: dict, webmail: str,
          admin_token: str) -> dict[str, requests.Response]:
    """A token request, protocol GETs, an admin API call and people's pages (in French and in
    English)."""
    base = real.issuer
    sign_in = "/authorize?" + urlencode({"response_type": "code", "client_id": webmail,
                                         "redirect_uri": WEBMAIL_CALLBACK, "scope": "openid"})

    def get(path: str, **headers: str) -> requests.Response:
        return requests.get(base + path, headers=headers, allow_redirects=False, timeout=10)

    return {
        "token": requests.post(base + "/token", auth=(service["client_id"],
                                                      service["client_secret"]),
                               data={"grant_type": "client_credentials", "scope": "admin"},
                               timeout=10),
        "jwks": get("/jwks.json"),
        "userinfo": get("/userinfo", Authorization=f"Bearer {admin_token}"),
        "admin_api": get("/admin/api/users", Authorization=f"Bearer {admin_token}"),
        "page": get("/account", **{"Accept-Language": "fr-FR,fr;q=0.9"}),
        "page_en": get("/account", **{"Accept-Language": "en-GB,en;q=0.9"}),
        "sign_in": get(sign_in),
    }


def assert_served(answers: dict[str, requests.Response]) -> None:
    assert answers["token"].status_code == 200, answers["token"].text
    assert answers["token"].json()["access_token"]
    assert answers["jwks"].status_code == 200 and answers["jwks"].json()["keys"]
    assert answers["userinfo"].status_code == 401  # a service's token names nobody
    assert answers["userinfo"].json()["error"] == "invalid_token"
    assert answers["admin_api"].status_code == 200, answers["admin_api"].text
    for page in ("page", "page_en", "sign_in"):  # to the sign-in screen
        assert answers[page].status_code == 302, answers[page].text


def test_without_its_database_the_provider_answers_503_and_recovers_by_itself(
        provider, refusable_database):
    real, service, webmail = provider
    admin_token = requests.post(real.issuer + "/token", timeout=10,
                                auth=(service["client_id"], service["client_secret"]),
                                data={"grant_type": "client_credentials", "scope": "admin"},
                                ).json()["access_token"]
    assert_served(calls(real, service, webmail, admin_token))
    log_before = (real.folder / "serve.log").read_text()

    refusable_database.refuse()
    try:
        time.sleep(1.1)  # the key ring's cache (KEYS_CACHE_SECONDS) needs the database again
        down = calls(real, service, webmail, admin_token)
    finally:
        refusable_database.accept()

    for name, answer in down.items():
        assert answer.status_code == 503, (name, answer.status_code, answer.text[:300])
        assert int(answer.headers["Retry-After"]) > 0, name
        assert answer.headers["Cache-Control"] == "no-store", name
    for name in ("token", "jwks", "userinfo"):
        assert down[name].headers["Content-Type"] == "application/json"
        assert down[name].json()["error"] == "temporarily_unavailable"
        assert down[name].json()["error_description"]
    problem = down["admin_api"]
    assert problem.headers["Content-Type"] == "application/problem+json"
    assert problem.json()["status"] == 503 and problem.json()["detail"]
    assert problem.json()["title"] == "Service Unavailable"
    for page in ("page", "sign_in"):
        assert down[page].headers["Content-Type"].startswith("text/html")
        assert FRENCH_PAGE in down[page].text and 'lang="fr"' in down[page].text
    assert ENGLISH_PAGE in down["page_en"].text and 'lang="en"' in down["page_en"].text

    log = (real.folder / "serve.log").read_text()[len(log_before):]
    warnings = [line for line in log.splitlines() if "database unavailable" in line]
    assert len(warnings) == len(down), log
    assert all("WARNING" in line and "not currently accepting connections" in line
               for line in warnings), warnings
    assert "Traceback" not in log and "ERROR" not in log, log

    assert_served(calls(real, service, webmail, admin_token))


def test_a_database_server_that_never_answers_gets_a_503_within_the_connect_timeout(app):
    """A host that accepts the connection and then says nothing (a hung server, a firewall
    holding packets) must not hold requests forever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshakes; nobody ever answers
        port = silent.getsockname()[1]
        hung = create_app({**TEST_SETTINGS, "DATABASE_CONNECT_TIMEOUT_SECONDS": 1,
                           "DATABASE_URL": f"postgresql+psycopg://idp@127.0.0.1:{port}/idp"})
        started = time.monotonic()
        response = hung.test_client().get("/jwks.json")
        waited = time.monotonic() - started
        with hung.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"
    assert response.headers["Retry-After"] == "30"
    assert waited < 10
