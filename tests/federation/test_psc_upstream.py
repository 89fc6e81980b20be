"""The PSC stand-in behaves like Pro Santé Connect for an independent relying party (Authlib's
OAuth2Session with PKCE S256, state and nonce): discovery under the wallet name, code flow with
acr eidas1, id_tokens in HS256 (client secret) or RS256/ES256 (JWKS), userinfo as JSON or JWT,
cancel, logout ending its session, and the faults the federation tests inject."""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, OctKey

from .psc_upstream import (
    cancel_upstream,
    confirm_upstream_logout,
    passes_without_login,
    psc_upstream,
    sign_in_upstream,
)

pytestmark = pytest.mark.slow

REDIRECT_URI = "http://127.0.0.1:9/federation/callback"
LOGGED_OUT_URI = "http://127.0.0.1:9/federation/logged-out"
RPPS = "810001234567"
NO_ACR = "810009999999"
SUBJECT_REF_PRO = {"codeCivilite": "DR", "exercices": [
    {"codeProfession": "10", "codeCategorieProfessionnelle": "C", "activities": [
        {"raisonSocialeSite": "Cabinet du Dr Martin", "codeSecteurActivite": "SA07"}]}]}
ACCOUNTS = {
    RPPS: {"SubjectNameID": RPPS, "preferred_username": RPPS, "given_name": "Claire",
           "family_name": "MARTIN", "SubjectRefPro": SUBJECT_REF_PRO,
           "SubjectOrganization": "Cabinet du Dr Martin",
           "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
           "otherIds": [{"identifiant": "10" + RPPS, "origine": "RPPS", "qualite": 1}]},
    NO_ACR: {"SubjectNameID": NO_ACR, "preferred_username": NO_ACR, "given_name": "Paul",
             "family_name": "DURAND", "acr": None, "amr": ["otp"]},
}


def _client(client_id: str, id_token_alg: str, userinfo_alg: str | None = None) -> dict:
    client = {"client_id": client_id, "client_secret": secrets.token_urlsafe(48),
              "redirect_uris": [REDIRECT_URI], "post_logout_redirect_uris": [LOGGED_OUT_URI],
              "token_endpoint_auth_method": "client_secret_basic",
              "id_token_signed_response_alg": id_token_alg}
    if userinfo_alg:
        client["userinfo_signed_response_alg"] = userinfo_alg
    return client


HS = _client("rp-hs256", "HS256")
RS = _client("rp-rs256", "RS256", userinfo_alg="RS256")
ES = _client("rp-es256", "ES256", userinfo_alg="HS256")


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """The PSC stand-in of this module, with its discovery document."""
    with psc_upstream(tmp_path_factory.mktemp("psc"), [HS, RS, ES], ACCOUNTS) as running:
        yield running, running.metadata()


@pytest.fixture(autouse=True)
def _no_faults_after(upstream):
    yield
    upstream[0].clear_faults()


class RelyingParty:
    """One authorization request of a relying party, as Authlib makes it."""

    def __init__(self, metadata: dict, client: dict):
        self.metadata = metadata
        self.client = client
        self.oauth = OAuth2Session(client["client_id"], client["client_secret"],
                                   scope="openid scope_all", redirect_uri=REDIRECT_URI,
                                   code_challenge_method="S256",
                                   token_endpoint_auth_method="client_secret_basic")
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_urlsafe(16)
        self.url, self.state = self.oauth.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=self.verifier, nonce=self.nonce,
            acr_values="eidas1")

    def fetch_token(self, callback: str) -> dict:
        return self.oauth.fetch_token(self.metadata["token_endpoint"], state=self.state,
                                      authorization_response=callback,
                                      code_verifier=self.verifier)

    def key(self):
        """What verifies this client's id_token: its secret for HS256, else the JWKS."""
        if self.client["id_token_signed_response_alg"] == "HS256":
            return OctKey.import_key(self.client["client_secret"])
        return KeySet.import_key_set(requests.get(self.metadata["jwks_uri"], timeout=5).json())

    def id_token(self, token: dict) -> dict:
        alg = self.client["id_token_signed_response_alg"]
        return jwt.decode(token["id_token"], self.key(), algorithms=[alg]).claims


def _signed_in(upstream, client: dict, account: str = RPPS, browser=None):
    """A relying party, and its token after signing in as ``account``."""
    _, metadata = upstream
    rp = RelyingParty(metadata, client)
    callback = sign_in_upstream(browser or requests.Session(), rp.url, account, REDIRECT_URI)
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == [rp.state]
    assert query["iss"] == [metadata["issuer"]]
    return rp, rp.fetch_token(callback)


def test_discovery_under_the_wallet_name(upstream):
    running, metadata = upstream
    assert metadata["issuer"] == running.issuer
    assert running.issuer.endswith("/auth/realms/esante-wallet")
    assert "eidas1" in metadata["acr_values_supported"]
    assert {"openid", "scope_all"} <= set(metadata["scopes_supported"])
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert metadata["end_session_endpoint"].startswith(running.issuer + "/protocol/")
    standard = requests.get(running.issuer + "/.well-known/openid-configuration", timeout=5)
    assert standard.json() == metadata


@pytest.mark.parametrize("client", [HS, RS, ES], ids=["HS256", "RS256", "ES256"])
def test_code_flow_with_eidas1(upstream, client):
    rp, token = _signed_in(upstream, client)
    claims = rp.id_token(token)
    assert claims["iss"] == upstream[0].issuer
    assert claims["aud"] == client["client_id"]
    assert claims["nonce"] == rp.nonce
    assert claims["acr"] == "eidas1"
    assert claims["sub"] == RPPS
    assert claims["SubjectNameID"] == RPPS  # like Keycloak, the scope's claims are here too
    assert "auth_time" in claims


def test_an_account_with_its_own_authentication(upstream):
    rp, token = _signed_in(upstream, HS, account=NO_ACR)
    claims = rp.id_token(token)
    assert "acr" not in claims
    assert claims["amr"] == ["otp"]
    userinfo = rp.oauth.get(upstream[1]["userinfo_endpoint"]).json()
    assert "acr" not in userinfo and "amr" not in userinfo


def test_an_unknown_account_is_refused(upstream):
    rp = RelyingParty(upstream[1], HS)
    with pytest.raises(AssertionError, match="Compte inconnu"):
        sign_in_upstream(requests.Session(), rp.url, "000000000000", REDIRECT_URI)


def test_userinfo_as_json(upstream):
    rp, _ = _signed_in(upstream, HS)
    response = rp.oauth.get(upstream[1]["userinfo_endpoint"])
    assert response.headers["Content-Type"].startswith("application/json")
    userinfo = response.json()
    assert userinfo["SubjectNameID"] == RPPS
    assert userinfo["preferred_username"] == RPPS
    assert userinfo["SubjectRefPro"]["exercices"][0]["codeProfession"] == "10"
    assert userinfo["SubjectRole"] == ACCOUNTS[RPPS]["SubjectRole"]
    assert userinfo["otherIds"] == ACCOUNTS[RPPS]["otherIds"]
    assert "email" not in userinfo


@pytest.mark.parametrize("client", [RS, ES], ids=["RS256", "HS256"])
def test_userinfo_as_a_signed_jwt(upstream, client):
    rp, _ = _signed_in(upstream, client)
    response = rp.oauth.get(upstream[1]["userinfo_endpoint"])
    assert response.headers["Content-Type"].startswith("application/jwt")
    alg = client["userinfo_signed_response_alg"]
    key = (OctKey.import_key(client["client_secret"]) if alg == "HS256"
           else KeySet.import_key_set(requests.get(upstream[1]["jwks_uri"], timeout=5).json()))
    userinfo = jwt.decode(response.text, key, algorithms=[alg]).claims
    assert userinfo["SubjectNameID"] == RPPS
    assert userinfo["family_name"] == "MARTIN"


def test_cancel_gives_access_denied(upstream):
    rp = RelyingParty(upstream[1], HS)
    callback = cancel_upstream(requests.Session(), rp.url, REDIRECT_URI)
    query = parse_qs(urlsplit(callback).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == [rp.state]


@pytest.mark.parametrize("client", [HS, RS, ES], ids=["HS256", "RS256", "ES256"])
def test_faulty_claims_keep_a_valid_signature(upstream, client):
    past = int(time.time()) - 3600
    upstream[0].set_faults(id_token_claims={"acr": None, "nonce": "wrong", "exp": past})
    rp, token = _signed_in(upstream, client)
    claims = rp.id_token(token)
    assert "acr" not in claims
    assert claims["nonce"] == "wrong"
    assert claims["exp"] == past
    assert claims["sub"] == RPPS


def test_faulty_acr(upstream):
    upstream[0].set_faults(id_token_claims={"acr": "eidas0"})
    rp, token = _signed_in(upstream, HS)
    assert rp.id_token(token)["acr"] == "eidas0"


def test_faulty_signing_secret(upstream):
    upstream[0].set_faults(id_token_signing_secret=secrets.token_urlsafe(48))
    rp, token = _signed_in(upstream, HS)
    with pytest.raises(BadSignatureError):
        rp.id_token(token)


def test_token_endpoint_down(upstream):
    upstream[0].set_faults(token_status=503)
    _, metadata = upstream
    rp = RelyingParty(metadata, HS)
    callback = sign_in_upstream(requests.Session(), rp.url, RPPS, REDIRECT_URI)
    with pytest.raises(requests.HTTPError) as down:
        rp.fetch_token(callback)
    assert down.value.response.status_code == 503
    assert down.value.response.headers["Content-Type"].startswith("text/html")
    upstream[0].clear_faults()
    assert rp.id_token(rp.fetch_token(callback))["nonce"] == rp.nonce  # the code was not used


def test_logout_ends_the_upstream_session(upstream):
    _, metadata = upstream
    browser = requests.Session()
    _, token = _signed_in(upstream, HS, browser=browser)
    assert passes_without_login(browser, RelyingParty(metadata, HS).url, REDIRECT_URI)

    end_session = metadata["end_session_endpoint"] + "?" + urlencode(
        {"id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGGED_OUT_URI,
         "state": "bye"})
    location = confirm_upstream_logout(browser, end_session, LOGGED_OUT_URI)
    assert parse_qs(urlsplit(location).query)["state"] == ["bye"]
    assert not passes_without_login(browser, RelyingParty(metadata, HS).url, REDIRECT_URI)
