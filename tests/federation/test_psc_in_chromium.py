"""The "S'identifier avec PRO SANTÉ CONNECT" button in Debian's Chromium, end to end.

Everything but the relying party is real: the provider is an `idp serve` process set up with the
`idp` CLI (Alice linked to her national identifier by `idp users link-psc`, the relying party
registered by `idp clients create`), Pro Santé Connect is the npm oidc-provider stand-in (HS256
ID tokens, JSON userinfo). The relying party is only its callback: a tiny HTTP server answering
"Connecté au webmail." and recording the URLs it was sent to. (Not a Playwright route: routes do
not reliably see the target of a server redirect, microsoft/playwright#33882.) Screenshots land
in tests/artifacts/ (psc-*.png).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from ..chromium import RelyingPartyCallback, open_browser
from ..helpers import pkce_pair, query_of
from ..provider_process import RealProvider
from .conftest import ACCOUNTS, NATIONAL_ID, SECRETS, STRANGER_ID
from .psc_upstream import PscUpstream

pytestmark = pytest.mark.slow

ALICE = "alice.martin@chu-test.mssante.fr"
PASSWORD = "psc browser password 2026"
SIGN_IN_HEADING = "Connexion à la Messagerie Sécurisée de Santé"
PSC_BUTTON = "S'identifier avec PRO SANTÉ CONNECT"
@dataclass
class Stack:
    """The running provider and upstream, and the relying party's registration."""

    issuer: str
    upstream: PscUpstream
    client_id: str
    client_secret: str
    relying_party: RelyingPartyCallback

    @property
    def redirect_uri(self) -> str:
        return self.relying_party.redirect_uri


@pytest.fixture(scope="module")
def stack(tmp_path_factory, relying_party) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("psc-chromium")
    upstream = PscUpstream(tmp, [], ACCOUNTS)
    provider = RealProvider(tmp, PSC_CLIENT_ID="idp-hs", PSC_CLIENT_SECRET=SECRETS["hs"],
                            PSC_DISCOVERY_URL=upstream.discovery_url)
    upstream.clients = [{
        "client_id": "idp-hs", "client_secret": SECRETS["hs"],
        "redirect_uris": [f"{provider.issuer}/federation/psc/callback"],
        "post_logout_redirect_uris": [f"{provider.issuer}/federation/psc/logged-out"],
        "id_token_signed_response_alg": "HS256",
        "token_endpoint_auth_method": "client_secret_basic",
    }]
    provider.run("db", "upgrade")
    provider.run("users", "create", ALICE, "--name", "Alice Martin",
                 "--notification-email", "alice@example.org", "--password-stdin",
                 stdin=PASSWORD + "\n")
    provider.run("users", "link-psc", ALICE, NATIONAL_ID)
    credentials = json.loads(provider.run(
        "clients", "create", "--name", "Webmail", "--first-party", "--json",
        "--redirect-uri", relying_party.redirect_uri, "--acr", "mfa"))
    with upstream, provider.serving():
        yield Stack(provider.issuer, upstream, credentials["client_id"],
                    credentials["client_secret"], relying_party)


@pytest.fixture
def page(chromium):
    """A page in a fresh profile (no cookie at the provider nor at the upstream)."""
    context = open_browser(chromium)
    yield context.new_page()
    context.close()


def open_sign_in(page, stack: Stack) -> tuple[dict[str, str], str]:
    """The relying party sends the browser to /authorize (fresh state and nonce: the provider
    refuses a nonce seen before); returns (its parameters, the PKCE verifier) once the sign-in
    screen shows."""
    verifier, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": stack.client_id,
              "redirect_uri": stack.redirect_uri, "scope": "openid",
              "state": "st-" + secrets.token_hex(4), "nonce": "n-" + secrets.token_hex(4),
              "code_challenge": challenge, "code_challenge_method": "S256"}
    page.goto(f"{stack.issuer}/authorize?{urlencode(params)}")
    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    return params, verifier


def sign_in_at_pro_sante_connect(page, stack: Stack, account: str) -> None:
    """Click the button, then sign in at the upstream's login page as ``account``."""
    page.get_by_role("link", name=PSC_BUTTON).click()
    expect(page).to_have_url(re.compile(re.escape(stack.upstream.issuer) + r"/interaction/"))
    page.locator("input[name=login]").fill(account)
    page.get_by_role("button", name="Se connecter").click()


def id_token_claims(stack: Stack, code: str, verifier: str) -> dict:
    """Redeem ``code`` as the relying party; the ID token's claims, checked against the JWKS."""
    tokens = requests.post(f"{stack.issuer}/token", timeout=10,
                           auth=(stack.client_id, stack.client_secret),
                           data={"grant_type": "authorization_code", "code": code,
                                 "redirect_uri": stack.redirect_uri, "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    keys = KeySet.import_key_set(requests.get(f"{stack.issuer}/jwks.json", timeout=10).json())
    return jwt.decode(tokens.json()["id_token"], keys).claims


def test_a_linked_person_signs_in_with_the_pro_sante_connect_button(page, stack, screenshot):
    params, verifier = open_sign_in(page, stack)
    expect(page.get_by_role("link", name=PSC_BUTTON)).to_have_attribute(
        "href", re.compile(r"^/federation/psc/login\?uid="))
    screenshot(page, "psc-1-sign-in")

    sign_in_at_pro_sante_connect(page, stack, "alice")

    expect(page).to_have_url(re.compile(re.escape(stack.redirect_uri) + r"\?"), timeout=15_000)
    expect(page.get_by_text("Connecté au webmail.")).to_be_visible()
    screenshot(page, "psc-2-back")
    query = query_of(page.url)
    assert query["code"] and query["state"] == params["state"]
    assert stack.relying_party.calls[-1] == page.url
    assert query["iss"] == stack.issuer

    claims = id_token_claims(stack, query["code"], verifier)
    assert claims["acr"] == "mfa"
    assert "fed" in claims["amr"]
    assert claims["nonce"] == params["nonce"] and claims["aud"] == stack.client_id


def test_an_unknown_identity_gets_the_french_explanation(page, stack, screenshot):
    calls_before = list(stack.relying_party.calls)
    open_sign_in(page, stack)

    sign_in_at_pro_sante_connect(page, stack, "stranger")

    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + r"/federation/psc/callback"))
    expect(page.get_by_text("aucun compte MSSanté n'est lié")).to_be_visible()
    expect(page.get_by_text(STRANGER_ID)).to_be_visible()
    screenshot(page, "psc-3-unknown")

    page.get_by_role("link", name="Se connecter avec mon adresse MSSanté").click()
    expect(page.get_by_role("heading", name=SIGN_IN_HEADING)).to_be_visible()
    assert stack.relying_party.calls == calls_before  # nothing reached the relying party
