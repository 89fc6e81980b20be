"""A real `idp serve` (gunicorn) on a free port, used by an independent client: Authlib's
OAuth2Session drives the whole code flow over HTTP and the id_token signature is checked against
the published JWKS."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from ..provider_process import RealProvider

PASSWORD = "interop password 2026"
USER = "claire.bernard@interop.mssante.fr"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """A provider process with one person and one confidential client; stopped afterwards."""
    real = RealProvider(tmp_path_factory.mktemp("interop"))
    real.run("db", "upgrade")
    real.run("users", "create", USER, "--name", "Claire Bernard", "--notification-email",
             "claire@example.org", "--password-stdin", stdin=PASSWORD + "\n")
    credentials = real.run("clients", "create", "--name", "Interop", "--redirect-uri",
                           "http://127.0.0.1:9/callback", "--acr", "pwd", "--first-party",
                           "--json")
    with real.serving():
        yield real.issuer, json.loads(credentials)


def _sign_in(browser: requests.Session, url: str) -> str:
    """Follow the authorization URL through the password screen; returns the callback URL."""
    response = browser.get(url, allow_redirects=False)
    while response.status_code == 302 and "/callback" not in response.headers["Location"]:
        location = urljoin(response.url, response.headers["Location"])
        response = browser.get(location, allow_redirects=False)
        if response.status_code == 200:
            action = re.search(r'action="([^"]*/login)"', response.text).group(1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
            response = browser.post(urljoin(response.url, action), allow_redirects=False,
                                    data={"username": USER, "password": PASSWORD,
                                          "csrf_token": token})
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"]


def test_an_independent_client_runs_the_whole_code_flow(provider):
    """Discovery, authorization with PKCE, token, id_token signature, userinfo, refresh."""
    issuer, credentials = provider
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=5).json()
    assert metadata["issuer"] == issuer

    rp = OAuth2Session(credentials["client_id"], credentials["client_secret"],
                       scope="openid profile email mailboxes",
                       redirect_uri="http://127.0.0.1:9/callback", code_challenge_method="S256")
    verifier = "v" * 64
    url, state = rp.create_authorization_url(metadata["authorization_endpoint"],
                                             code_verifier=verifier, nonce="interop-nonce")
    callback = _sign_in(requests.Session(), url)
    assert f"iss={requests.utils.quote(issuer, safe='')}" in callback

    token = rp.fetch_token(metadata["token_endpoint"], authorization_response=callback,
                           code_verifier=verifier, state=state)
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    id_token = jwt.decode(token["id_token"], keys)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": credentials["client_id"]},
        nonce={"essential": True, "value": "interop-nonce"},
        acr={"essential": True, "value": "pwd"},
    ).validate(id_token.claims)
    assert id_token.claims["amr"] == ["pwd"]

    userinfo = rp.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == id_token.claims["sub"]
    assert userinfo["email"] == USER
    assert {"address": USER, "type": "PER", "name": "Claire Bernard",
            "sensitive": False} in userinfo["mailboxes"]

    refreshed = rp.refresh_token(metadata["token_endpoint"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert rp.get(metadata["userinfo_endpoint"]).status_code == 200
