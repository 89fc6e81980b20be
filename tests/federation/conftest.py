"""Fixtures of the federation tests: the PSC stand-in (npm's oidc-provider) for the module, and
the provider under test pointed at it, as a client signing its ID tokens with HS256 (userinfo
as JSON) or RS256 (userinfo as a signed JWT)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from idp.accounts.federated_identities import PSC, link_identity
from idp.extensions import db
from idp.models import User

from ..conftest import TEST_SETTINGS
from ..delivery_servers import app_settings
from ..interaction.second_factor_journey import ALICE, start
from .psc_upstream import PscUpstream, sign_in_upstream

ISSUER = TEST_SETTINGS["ISSUER"]
CALLBACK = f"{ISSUER}/federation/psc/callback"
LOGGED_OUT = f"{ISSUER}/federation/psc/logged-out"
NATIONAL_ID = "810001234567"
STRANGER_ID = "810009999999"
SECRETS = {"hs": "psc-client-secret-for-hs256-0123456789abcdef",
           "rs": "psc-client-secret-rs256-0123456789abcdef"}
PSC_CLAIMS = {
    "preferred_username": NATIONAL_ID, "given_name": "ALICE", "family_name": "MARTIN",
    "SubjectRefPro": {"codeCivilite": "DR", "exercices": [
        {"codeProfession": "10", "activities": [{"raisonSocialeSite": "CHU Test"}]}]},
    "SubjectOrganization": "CHU Test", "SubjectRole": ["10^1.2.250.1.213.1.1.5.5^Médecin"],
    "otherIds": [{"identifiant": "10001234567", "origine": "RPPS"}],
}
ACCOUNTS = {
    "alice": {"SubjectNameID": NATIONAL_ID, **PSC_CLAIMS, "amr": ["pwd", "otp"]},
    "stranger": {"SubjectNameID": STRANGER_ID, **PSC_CLAIMS, "preferred_username": STRANGER_ID},
    "no-acr": {"SubjectNameID": NATIONAL_ID, **PSC_CLAIMS, "acr": None},
}
CLIENTS = [
    {"client_id": "idp-hs", "client_secret": SECRETS["hs"], "redirect_uris": [CALLBACK],
     "post_logout_redirect_uris": [LOGGED_OUT], "id_token_signed_response_alg": "HS256",
     "token_endpoint_auth_method": "client_secret_basic"},
    {"client_id": "idp-rs", "client_secret": SECRETS["rs"], "redirect_uris": [CALLBACK],
     "post_logout_redirect_uris": [LOGGED_OUT], "id_token_signed_response_alg": "RS256",
     "userinfo_signed_response_alg": "RS256", "token_endpoint_auth_method": "client_secret_basic"},
]


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> Iterator[PscUpstream]:
    with PscUpstream(tmp_path_factory.mktemp("psc"), CLIENTS, ACCOUNTS) as running:
        yield running


@pytest.fixture(params=["hs", "rs"])
def variant(request) -> str:
    """Which of PSC's forms: "hs" (HS256 ID token, JSON userinfo) or "rs" (RS256, JWT)."""
    return request.param


@pytest.fixture
def psc(app, upstream, variant) -> Iterator[PscUpstream]:
    """The provider under test, with Pro Santé Connect configured at the stand-in."""
    upstream.clear_faults()
    app.extensions.pop("federation_metadata", None)
    with app_settings(app, PSC_CLIENT_ID=f"idp-{variant}", PSC_CLIENT_SECRET=SECRETS[variant],
                      PSC_DISCOVERY_URL=upstream.discovery_url):
        yield upstream
    upstream.clear_faults()
    app.extensions.pop("federation_metadata", None)


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """The browser's side at the upstream (its cookies)."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def alice_linked(app, actors):
    """Alice, linked to her national identifier."""
    actors.user()
    with app.app_context():
        link_identity(db.session.scalar(db.select(User).where(User.email == ALICE)), PSC,
                      NATIONAL_ID, linked_by="cli")
        db.session.commit()


def to_upstream(client, actors, rp, **params):
    """Open the sign-in screen and click "S'identifier avec PRO SANTÉ CONNECT"; returns
    (the upstream authorization URL, the PKCE verifier, the sign-in screen)."""
    page, verifier = start(client, actors, rp, **params)
    href = re.search(r'class="psc" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    response = client.get(href)
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"], verifier, page


def back_from_upstream(client, callback_url: str):
    """The browser arrives at our callback with the upstream's answer."""
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def psc_sign_in(client, browser, actors, rp, account="alice", **params):
    """The whole brokered sign-in up to our answer to the callback; returns (answer, verifier)."""
    url, verifier, _ = to_upstream(client, actors, rp, **params)
    return back_from_upstream(client, sign_in_upstream(browser, url, account, CALLBACK)), verifier
