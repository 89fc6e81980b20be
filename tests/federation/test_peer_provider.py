"""Signing in through another instance of this provider, configured under UPSTREAMS: a real
`idp serve` (its own database, its codes e-mailed to the test mail catcher) is the upstream,
the provider under test its client. The whole journey (password and e-mailed code at the peer,
the linked account signed in here with acr mfa), the unknown identity, a level the peer does
not vouch for, and logout (ours ends the peer's session; a session that merely expires does
not)."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.accounts.federated_identities import link_identity
from idp.extensions import db
from idp.models import FederatedIdentity, SsoSession, UpstreamLogin, User
from idp.models.base import utcnow

from ..conftest import TEST_SETTINGS
from ..delivery_servers import HOST, app_settings
from ..helpers import PASSWORD, audit_events, live_sessions, query_of
from ..interaction.second_factor_journey import ALICE, finish, shown, start
from ..provider_process import RealProvider

pytestmark = pytest.mark.slow

ISSUER = TEST_SETTINGS["ISSUER"]
NAME = "peer"
LABEL = "MSSanté (autre instance)"
CALLBACK = f"{ISSUER}/federation/{NAME}/callback"
LOGGED_OUT = f"{ISSUER}/federation/{NAME}/logged-out"
BYE = "https://rp.example.org/bye"  # the post-logout URI actors.rp() registers
PEER_ALICE = "alice.martin@chu-autre.mssante.fr"
PEER_BOB = "bob.durand@chu-autre.mssante.fr"


@dataclass
class Peer:
    """The other instance: its issuer, its two registrations of the provider under test
    (``mfa``: the usual one; ``pwd``: a client whose minimum level is the password), and the
    subjects of its people."""

    provider: RealProvider
    clients: dict[str, dict[str, str]]
    subjects: dict[str, str]

    @property
    def issuer(self) -> str:
        return self.provider.issuer

    def upstream(self, level: str = "mfa") -> dict:
        """The UPSTREAMS entry of the provider under test for this peer."""
        return {"label": LABEL,
                "discovery_url": f"{self.issuer}/.well-known/openid-configuration",
                "client_id": self.clients[level]["client_id"],
                "client_secret": self.clients[level]["client_secret"],
                "scope": "openid", "acr_values": level, "acr_map": {"mfa": "mfa"},
                "identity_claim": "sub"}


@pytest.fixture(scope="module")
def running_peer(tmp_path_factory, mail_catcher) -> Iterator[Peer]:
    folder = tmp_path_factory.mktemp("peer")
    provider = RealProvider(folder, MAIL_SERVER=HOST, MAIL_PORT=str(mail_catcher.smtp_port),
                            MAIL_USE_TLS="false")
    provider.run("db", "upgrade")
    for email, name, notify in ((PEER_ALICE, "Alice Martin", "alice@peer.example.org"),
                                (PEER_BOB, "Bob Durand", "bob@peer.example.org")):
        provider.run("users", "create", email, "--name", name, "--notification-email", notify,
                     "--password-stdin", stdin=PASSWORD + "\n")
    clients = {level: json.loads(provider.run(
        "clients", "create", "--name", f"Fédération ({level})", "--json", "--first-party",
        "--redirect-uri", CALLBACK, "--post-logout-redirect-uri", LOGGED_OUT,
        "--acr", level, "--scope", "openid")) for level in ("mfa", "pwd")}
    with sqlite3.connect(folder / "idp.sqlite3") as database:
        subjects = dict(database.execute("SELECT email, subject FROM users").fetchall())
    with provider.serving():
        yield Peer(provider, clients, subjects)


@pytest.fixture
def rp(actors):
    return actors.rp(min_acr="mfa")


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """The browser's side at the peer (its cookies there)."""
    with requests.Session() as session:
        yield session


def configured(app, peer: Peer, level: str = "mfa"):
    """The provider under test with the peer as upstream ``peer`` (its cached metadata
    dropped on the way in and out)."""
    app.extensions.pop("federation_metadata", None)
    return app_settings(app, UPSTREAMS={NAME: peer.upstream(level)})


@pytest.fixture
def peer(app, running_peer) -> Iterator[Peer]:
    """The provider under test, with the peer configured (its mfa registration)."""
    with configured(app, running_peer):
        yield running_peer
    app.extensions.pop("federation_metadata", None)


def link(app, email: str, subject: str) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        link_identity(user, NAME, subject, linked_by="cli")
        db.session.commit()


@pytest.fixture
def alice_linked(app, actors, peer) -> None:
    """Alice here, linked to Alice at the peer (her subject there)."""
    link(app, actors.user(), peer.subjects[PEER_ALICE])


# --- the browser at the peer ---------------------------------------------------------------

def at_peer(browser, peer: Peer, response: requests.Response) -> requests.Response:
    """Follow the peer's redirects while they stay at the peer; the page shown there, or the
    redirect that leaves it."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if not location.startswith(peer.issuer + "/"):
            return response
        response = browser.get(location, allow_redirects=False)
    assert response.status_code == 200, response.text[:500]
    return response


def post_at_peer(browser, peer: Peer, page: requests.Response, action_suffix: str, **fields):
    """Submit the form of the peer's ``page`` whose action ends with ``action_suffix``."""
    action = re.search(rf'action="([^"]*{re.escape(action_suffix)})"', page.text).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = browser.post(urljoin(page.url, html.unescape(action)), allow_redirects=False,
                            data={"csrf_token": token, **fields})
    return at_peer(browser, peer, response)


def emailed_code(mail_catcher, address: str) -> str:
    """The code of the newest e-mail the peer sent to ``address``."""
    for message in mail_catcher.messages("email"):
        found = re.search(r"\b(\d{6})\b", message["text"])
        if address in json.dumps(message) and found:
            return found.group(1)
    pytest.fail(f"no code e-mailed to {address}: {mail_catcher.messages('email')}")


def open_at_peer(browser, peer: Peer, url: str) -> requests.Response:
    """The browser opens an authorization URL of the peer."""
    assert url.startswith(peer.issuer + "/"), url
    return at_peer(browser, peer, browser.get(url, allow_redirects=False))


def leaves_for(response: requests.Response, target: str) -> str:
    """The URL the peer sends the browser to, which must be ``target`` (with a query)."""
    assert response.is_redirect, response.text[:500]
    location = response.headers["Location"]
    assert location.split("?")[0] == target, location
    return location


def sign_in_at_peer(browser, peer: Peer, url: str, mail_catcher, email=PEER_ALICE,
                    code=True) -> str:
    """Password (then the e-mailed code unless ``code`` is False) at the peer; the callback
    URL the peer sends the browser back to."""
    page = open_at_peer(browser, peer, url)
    assert 'name="password"' in page.text, page.text[:500]
    answer = post_at_peer(browser, peer, page, "/login", username=email, password=PASSWORD,
                          factor="email")
    if code:
        assert 'name="code"' in answer.text, answer.text[:500]
        notify = {PEER_ALICE: "alice@peer.example.org", PEER_BOB: "bob@peer.example.org"}
        answer = post_at_peer(browser, peer, answer, "/code",
                              code=emailed_code(mail_catcher, notify[email]))
    return leaves_for(answer, CALLBACK)


# --- the provider under test -----------------------------------------------------------------

def to_peer(client, actors, rp, **params):
    """Open our sign-in screen and go to the peer; (the peer's authorization URL, the PKCE
    verifier)."""
    page, verifier = start(client, actors, rp, **params)
    button = re.search(r'<a class="upstream" href="([^"]+)">([^<]+)</a>', page.text)
    assert html.unescape(button.group(2)) == "Se connecter avec MSSanté (autre instance)"
    response = client.get(html.unescape(button.group(1)))
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"], verifier


def back_here(client, url: str):
    """The browser arrives back here (the test client takes over at our origin)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == ISSUER, url
    return client.get(f"{parts.path}?{parts.query}")


def brokered_sign_in(client, browser, actors, rp, peer, mail_catcher, **kwargs):
    """The whole journey up to our answer to the callback; (answer, verifier)."""
    url, verifier = to_peer(client, actors, rp)
    return back_here(client, sign_in_at_peer(browser, peer, url, mail_catcher, **kwargs)), \
        verifier


def tokens_of(client, actors, rp, answer, verifier) -> dict:
    """Follow our answer to the relying party and redeem its code: the token response."""
    query = finish(client, answer, rp)
    tokens = actors.redeem(client, rp, query["code"], verifier)
    assert tokens.status_code == 200, tokens.json
    return tokens.json


def verified(id_token: str, jwks: dict) -> dict:
    return dict(jwt.decode(id_token, KeySet.import_key_set(jwks)).claims)


def upstream_id_token(app) -> str:
    with app.app_context():
        return db.session.scalar(db.select(UpstreamLogin.id_token))


# --- the tests -------------------------------------------------------------------------------

def test_a_linked_person_signs_in_through_the_peer_with_password_and_emailed_code(
        app, client, browser, actors, rp, peer, alice_linked, mail_catcher):
    url, verifier = to_peer(client, actors, rp)
    asked = query_of(url)
    assert asked["client_id"] == peer.clients["mfa"]["client_id"]
    assert asked["redirect_uri"] == CALLBACK and asked["acr_values"] == "mfa"
    assert asked["code_challenge_method"] == "S256" and asked["nonce"] and asked["state"]

    answer = back_here(client, sign_in_at_peer(browser, peer, url, mail_catcher))
    claims = verified(tokens_of(client, actors, rp, answer, verifier)["id_token"],
                      client.get("/jwks.json").json)

    at_peer_claims = verified(upstream_id_token(app),
                              requests.get(f"{peer.issuer}/jwks.json", timeout=5).json())
    assert at_peer_claims["sub"] == peer.subjects[PEER_ALICE]
    assert at_peer_claims["acr"] == "mfa"
    assert "pwd" in at_peer_claims["amr"] and "otp" in at_peer_claims["amr"]
    assert claims["acr"] == "mfa"
    assert claims["amr"] == [*at_peer_claims["amr"], "fed"]
    assert claims["sid"]
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        assert claims["sub"] == alice.subject != peer.subjects[PEER_ALICE]
    [signed_in] = audit_events(app, "federation.signed_in")
    assert signed_in.detail["upstream"] == NAME and signed_in.detail["acr"] == "mfa"


def test_an_identity_of_the_peer_linked_to_no_account_is_explained(
        app, client, browser, actors, rp, peer, alice_linked, mail_catcher):
    answer, _ = brokered_sign_in(client, browser, actors, rp, peer, mail_catcher,
                                 email=PEER_BOB)

    assert answer.status_code == 403
    text = shown(answer)
    assert f"Identité {LABEL} non reconnue" in text
    assert "aucun compte MSSanté n'est lié à cette identité" in text
    assert peer.subjects[PEER_BOB] in text
    assert live_sessions(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FederatedIdentity.id))) == 1  # Alice's
        assert db.session.scalar(db.select(db.func.count(UpstreamLogin.id))) == 0
    [unknown] = audit_events(app, "federation.unknown_identity")
    assert unknown.detail == {"upstream": NAME, "subject": peer.subjects[PEER_BOB]}


def test_a_password_only_answer_of_the_peer_is_refused(app, client, browser, actors, rp,
                                                        running_peer, mail_catcher):
    link(app, actors.user(), running_peer.subjects[PEER_ALICE])
    with configured(app, running_peer, level="pwd"):
        url, _ = to_peer(client, actors, rp)
        assert query_of(url)["acr_values"] == "pwd"
        answer = back_here(client, sign_in_at_peer(browser, running_peer, url, mail_catcher,
                                                   code=False))
        assert answer.status_code == 302, answer.text[:300]
        screen = client.get(answer.headers["Location"])
    app.extensions.pop("federation_metadata", None)

    assert screen.status_code == 200 and 'name="password"' in screen.text
    assert f"{LABEL} n'a pas confirmé un niveau d'authentification suffisant" in shown(screen)
    [failed] = audit_events(app, "federation.failed")
    assert failed.detail["upstream"] == NAME and failed.detail["failure"] == "LevelRefused"
    assert failed.detail["reason"] == "acr 'pwd'"
    assert live_sessions(app) == 0 and not audit_events(app, "federation.signed_in")


def test_logging_out_here_ends_the_session_at_the_peer_too(app, client, browser, actors, rp,
                                                           peer, alice_linked, mail_catcher):
    answer, verifier = brokered_sign_in(client, browser, actors, rp, peer, mail_catcher)
    id_token = tokens_of(client, actors, rp, answer, verifier)["id_token"]
    at_peer_id_token = upstream_id_token(app)

    leaving = client.get("/logout", query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": BYE, "state": "bye-42"})

    assert leaving.status_code == 200, leaving.text[:300]
    target = html.unescape(re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)"',
                                     leaving.text).group(1))
    end_session = requests.get(f"{peer.issuer}/.well-known/openid-configuration",
                               timeout=5).json()["end_session_endpoint"]
    assert target.split("?")[0] == end_session
    sent = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    assert sent["id_token_hint"] == at_peer_id_token
    assert sent["post_logout_redirect_uri"] == LOGGED_OUT
    assert sent["client_id"] == peer.clients["mfa"]["client_id"] and sent["state"]
    assert live_sessions(app) == 0  # ended here already

    back = leaves_for(at_peer(browser, peer, browser.get(target, allow_redirects=False)),
                      LOGGED_OUT)
    assert query_of(back)["state"] == sent["state"]
    onwards = back_here(client, back)
    assert onwards.status_code == 302
    assert onwards.headers["Location"].split("?")[0] == BYE
    assert query_of(onwards.headers["Location"]) == {"state": "bye-42"}

    # The peer's session is over: signing in through it again asks for the password.
    url, _ = to_peer(client, actors, rp)
    assert 'name="password"' in open_at_peer(browser, peer, url).text


def test_a_session_that_merely_expires_leaves_the_peer_session_alone(
        app, client, browser, actors, rp, peer, alice_linked, mail_catcher):
    answer, verifier = brokered_sign_in(client, browser, actors, rp, peer, mail_catcher)
    tokens_of(client, actors, rp, answer, verifier)
    with app.app_context():
        db.session.execute(db.update(SsoSession).values(
            last_seen_at=utcnow() - timedelta(days=2)))
        db.session.commit()

    page, _ = start(client, actors, rp)  # any request: the idle session ends on the way

    assert 'name="password"' in page.text
    assert live_sessions(app) == 0
    [ended] = audit_events(app, "session.ended")
    assert ended.detail["reason"] == "idle"
    assert not audit_events(app, "federation.logout_failed")

    # Still signed in at the peer: back through it without typing anything.
    mail_catcher.clear()
    url, verifier = to_peer(client, actors, rp)
    answer = back_here(client, leaves_for(
        at_peer(browser, peer, browser.get(url, allow_redirects=False)), CALLBACK))
    claims = verified(tokens_of(client, actors, rp, answer, verifier)["id_token"],
                      client.get("/jwks.json").json)
    assert claims["acr"] == "mfa" and claims["amr"][-1] == "fed"
    assert not mail_catcher.messages("email")
