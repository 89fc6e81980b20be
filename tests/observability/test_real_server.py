"""A real `idp serve` with two worker processes: after real requests (a sign-in with a password
and an e-mailed code, tokens by code and by refresh), /metrics sums both workers' values, and
every line it wrote is one JSON object holding none of the secrets that crossed it."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ..delivery_servers import HOST
from ..helpers import pkce_pair
from ..provider_process import RealProvider

PASSWORD = "observed password 2026"
WRONG_PASSWORD = "not the password 2026"
USER = "lea.roux@obs.mssante.fr"
CALLBACK = "http://127.0.0.1:9/callback"
DISCOVERY_CALLS = 24


@pytest.fixture(scope="module")
def provider(tmp_path_factory, mail_catcher):
    """A provider process sending its codes to the mail catcher, behind one trusted proxy (the
    test itself), its metrics directory under the test's folder; stopped afterwards."""
    folder = tmp_path_factory.mktemp("observed")
    (folder / "tmp").mkdir()
    real = RealProvider(folder, MAIL_SERVER=HOST, MAIL_PORT=str(mail_catcher.smtp_port),
                        MAIL_USE_TLS="false", TRUSTED_PROXIES="1")
    real.env["TMPDIR"] = str(folder / "tmp")
    real.run("db", "upgrade")
    real.run("users", "create", USER, "--name", "Léa Roux", "--notification-email",
             "lea@example.org", "--password-stdin", stdin=PASSWORD + "\n")
    client = json.loads(real.run("clients", "create", "--name", "Observed", "--redirect-uri",
                                 CALLBACK, "--acr", "mfa", "--first-party", "--json"))
    return real, client


def _form_post(browser: requests.Session, page: requests.Response, action_suffix: str,
               **fields) -> requests.Response:
    action = re.search(rf'action="([^"]*{re.escape(action_suffix)})"', page.text).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    return browser.post(urljoin(page.url, action), data={"csrf_token": token, **fields},
                        allow_redirects=False)


def _follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Follow redirects until a page, or until the client's callback (not followed)."""
    while response.is_redirect and not response.headers["Location"].startswith(CALLBACK):
        response = browser.get(urljoin(response.url, response.headers["Location"]),
                               allow_redirects=False)
    return response


def _sign_in_and_get_tokens(issuer: str, client: dict, mail_catcher) -> dict[str, str]:
    """A wrong password, the right one, a wrong code, the right code; then tokens by code and
    by refresh. Every secret that crossed the wire, by name."""
    verifier, challenge = pkce_pair()
    browser = requests.Session()
    page = _follow(browser, browser.get(issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": CALLBACK,
        "scope": "openid email offline_access", "state": "s-observed", "nonce": "n-observed",
        "code_challenge": challenge, "code_challenge_method": "S256"}))
    refused = _follow(browser, _form_post(browser, page, "/login", username=USER,
                                          password=WRONG_PASSWORD, factor="email"))
    assert refused.status_code == 200 and 'name="password"' in refused.text
    page = _follow(browser, _form_post(browser, refused, "/login", username=USER,
                                       password=PASSWORD, factor="email"))
    code = re.search(r"\b(\d{6})\b", mail_catcher.messages("email")[0]["text"]).group(1)
    wrong_code = f"{(int(code) + 1) % 1000000:06d}"
    page = _follow(browser, _form_post(browser, page, "/code", code=wrong_code))
    assert page.status_code == 200 and 'name="code"' in page.text
    callback = _follow(browser, _form_post(browser, page, "/code", code=code))
    authorization_code = parse_qs(urlsplit(callback.headers["Location"]).query)["code"][0]

    secret = (client["client_id"], client["client_secret"])
    tokens = requests.post(issuer + "/token", auth=secret, timeout=5, data={
        "grant_type": "authorization_code", "code": authorization_code,
        "redirect_uri": CALLBACK, "code_verifier": verifier}).json()
    refreshed = requests.post(issuer + "/token", auth=secret, timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    return {"password": PASSWORD, "wrong password": WRONG_PASSWORD, "code": code,
            "wrong code": wrong_code, "authorization code": authorization_code,
            "verifier": verifier, "client secret": client["client_secret"],
            "access token": tokens["access_token"], "refresh token": tokens["refresh_token"],
            "id token": tokens["id_token"], "new access token": refreshed["access_token"],
            "new refresh token": refreshed["refresh_token"]}


def _scrape(issuer: str) -> dict[tuple, float]:
    """/metrics as {(sample name, sorted labels): value}."""
    answer = requests.get(issuer + "/metrics", timeout=5)
    assert answer.status_code == 200
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples}


def _sample(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_sum_both_workers_and_logs_hold_no_secret(provider, mail_catcher):
    real, client = provider
    with real.serving():
        issuer = real.issuer
        for _ in range(DISCOVERY_CALLS):  # a new connection each: both workers take some
            assert requests.get(issuer + "/.well-known/openid-configuration",
                                timeout=5).status_code == 200
        for _ in range(10):
            assert requests.get(issuer + "/healthz", timeout=5).status_code == 200
            assert requests.get(issuer + "/readyz", timeout=5).status_code == 200
        traced = requests.get(issuer + "/.well-known/openid-configuration",
                              headers={"X-Request-ID": "edge-42.a"}, timeout=5)
        assert traced.headers["X-Request-ID"] == "edge-42.a"
        secrets = _sign_in_and_get_tokens(issuer, client, mail_catcher)
        scraped = _scrape(issuer)
        directories = list((real.folder / "tmp").glob("idp-metrics-*"))
        writers = {path.stem.split("_")[-1] for path in directories[0].glob("counter_*.db")}

    assert len(writers) == 2  # both worker processes counted requests
    assert _sample(scraped, "idp_http_requests_total", endpoint="oidc.discovery",
                   method="GET", status="200") == DISCOVERY_CALLS + 2  # + start-up, + traced
    assert _sample(scraped, "idp_http_requests_total", endpoint="oidc.token", method="POST",
                   status="200") == 2
    assert _sample(scraped, "idp_http_request_duration_seconds_count",
                   endpoint="oidc.token") == 2
    assert _sample(scraped, "idp_sign_in_steps_total", factor="password", result="failure") == 1
    assert _sample(scraped, "idp_sign_in_steps_total", factor="password", result="success") == 1
    assert _sample(scraped, "idp_sign_in_steps_total", factor="email", result="failure") == 1
    assert _sample(scraped, "idp_sign_in_steps_total", factor="email", result="success") == 1
    assert _sample(scraped, "idp_codes_sent_total", channel="email", outcome="sent") == 1
    assert _sample(scraped, "idp_tokens_issued_total", grant="authorization_code") == 1
    assert _sample(scraped, "idp_tokens_issued_total", grant="refresh_token") == 1
    assert not (real.folder / "tmp" / directories[0].name).exists()  # removed at exit

    log = (real.folder / "serve.log").read_text()
    lines = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    for name, value in secrets.items():
        assert value not in log, f"the {name} is in the log"
    access = [line for line in lines if line["logger"] == "idp.access"]
    # one line per request that reached Flask, none for the probes: the discovery calls, then
    # authorize, sign-in screen, 2 passwords, code screen, 2 codes, resume, 2 token requests
    assert len(access) == DISCOVERY_CALLS + 2 + 10
    assert all(line["route"] != "unmatched" for line in access)
    [traced_line] = [line for line in access if line["request_id"] == "edge-42.a"]
    assert traced_line["route"] == "oidc.discovery"
    token_lines = [line for line in access if line["route"] == "oidc.token"]
    assert [line["client_id"] for line in token_lines] == [client["client_id"]] * 2
    assert all(isinstance(line["user_id"], int) for line in token_lines)
    assert any(line["logger"].startswith("gunicorn") for line in lines)  # its lines too
