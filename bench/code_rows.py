"""The rows of authorization code redemption and refresh. Codes are single-use, so each run
posts a pool of codes made just before it through the real authorization endpoint, by a browser
that has signed in once (here: the whole journey with an e-mailed code; at the peer: its
automatic sign-in); each code then costs one GET /authorize. Refresh tokens rotate: each of the
16 connections starts with one, from a redeemed code, and goes on with the new one it receives."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

from .journeys import Journey, pkce
from .load import CONNECTIONS, Run, basic, post_pool
from .mailbox import Mailbox
from .peer import Peer
from .provider import CALLBACK, Credentials, Provider

MAKERS = 4  # threads making the pool
FIRST_POOL = 200
LARGEST_POOL = 20_000


def _code(browser: requests.Session, issuer: str, path: str, client: Credentials,
          challenge: str) -> str:
    """One authorization code, following the redirects up to the client's callback."""
    location = path + "?" + urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": CALLBACK,
        "scope": "openid", "state": secrets.token_hex(8), "code_challenge": challenge,
        "code_challenge_method": "S256"})
    while not location.startswith(CALLBACK):
        answer = browser.get(urljoin(issuer, location), allow_redirects=False, timeout=30)
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"authorization: {answer.status_code} {answer.text[:200]}")
        location = answer.headers["Location"]
    return parse_qs(urlsplit(location).query)["code"][0]


def code_forms(browser: requests.Session, issuer: str, path: str, client: Credentials,
               size: int) -> list[str]:
    """``size`` token requests (forms) redeeming fresh codes: the first one alone (a browser not
    yet signed in signs in once), then MAKERS at a time."""
    verifier, challenge = pkce()

    def form(_number: int) -> str:
        code = _code(browser, issuer, path, client, challenge)
        return urlencode({"grant_type": "authorization_code", "code": code,
                          "redirect_uri": CALLBACK, "code_verifier": verifier})
    first = form(0)
    with ThreadPoolExecutor(MAKERS) as makers:
        return [first, *makers.map(form, range(1, size))]


def refresh_tokens(issuer: str, token_path: str, client: Credentials,
                   forms: list[str]) -> list[str]:
    """The refresh tokens of redeeming ``forms``."""
    tokens = []
    for form in forms:
        answer = requests.post(issuer + token_path, data=form, timeout=30,
                               auth=(client.client_id, client.client_secret),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        if answer.status_code != 200:
            raise RuntimeError(f"{issuer}: code refused: {answer.status_code} {answer.text}")
        tokens.append(answer.json()["refresh_token"])
    return tokens


def _sides(provider: Provider, web: Credentials, mailbox: Mailbox,
           accounts: Iterator[tuple[str, str, str]], peer: Peer,
           make: Callable) -> dict[str, Callable[[float], Run]]:
    """here and the peer; each run starts from a browser of its own (a new session, so a new
    grant at the peer, whose in-memory store indexes every token of a grant together)."""
    def signed_in() -> requests.Session:
        return Journey(provider, web, mailbox).run(*next(accounts))
    return {
        "here": make(signed_in, provider.issuer, "/authorize", "/token", web, provider.pid),
        f"oidc-provider ({peer.token_format})": make(
            requests.Session, peer.issuer, peer.authorization_path, peer.token_path, peer.web,
            peer.pid),
    }


def redemption_sides(provider: Provider, web: Credentials, mailbox: Mailbox,
                     accounts: Iterator[tuple[str, str, str]],
                     peer: Peer) -> dict[str, Callable[[float], Run]]:
    """Runs redeeming a pool of codes sized by the side's previous rate to last about the run's
    seconds (the first run, the warm-up, takes FIRST_POOL); a run ends when its pool is used up
    or its time is."""
    def make(browser, issuer, authorization, token, client, pid):
        rate = FIRST_POOL / 2

        def run(seconds: float) -> Run:
            nonlocal rate
            size = min(LARGEST_POOL, max(FIRST_POOL, int(rate * seconds * 1.2)))
            forms = code_forms(browser(), issuer, authorization, client, size)
            outcome = post_pool(issuer + token, "form_pool.lua", forms,
                                basic(client.client_id, client.client_secret), pid, seconds)
            rate = max(rate, outcome.rate)
            return outcome
        return run
    return _sides(provider, web, mailbox, accounts, peer, make)


def refresh_sides(provider: Provider, web: Credentials, mailbox: Mailbox,
                  accounts: Iterator[tuple[str, str, str]],
                  peer: Peer) -> dict[str, Callable[[float], Run]]:
    """Runs of rotating refresh tokens, one chain per connection."""
    def make(browser, issuer, authorization, token, client, pid):
        def run(seconds: float) -> Run:
            forms = code_forms(browser(), issuer, authorization, client, CONNECTIONS)
            chains = refresh_tokens(issuer, token, client, forms)
            return post_pool(issuer + token, "refresh_chain.lua", chains,
                             basic(client.client_id, client.client_secret), pid, seconds)
        return run
    return _sides(provider, web, mailbox, accounts, peer, make)
