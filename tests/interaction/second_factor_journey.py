"""A browser's walk through the second factor, for the tests of the sign-in journey."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet

from ..helpers import PASSWORD, csrf_token, pkce_pair, query_of

ALICE = "alice.martin@chu-test.mssante.fr"
ALICE_NOTIFICATIONS = "alice@example.org"
ALICE_PHONE = "+33611223344"


def start(browser, actors, rp, **params):
    """Open the sign-in screen of a new authorization request; returns (page, verifier)."""
    verifier, challenge = pkce_pair()
    response = browser.get("/authorize", query_string=actors.auth_params(
        rp, code_challenge=challenge, code_challenge_method="S256", **params))
    assert response.status_code == 302, response.text[:300]
    return browser.get(response.headers["Location"]), verifier


def post_form(browser, page, action_suffix: str, **fields):
    """Submit the form of ``page`` whose action ends with ``action_suffix``."""
    action = re.search(rf'action="([^"]*{re.escape(action_suffix)})"', page.text).group(1)
    return browser.post(action, data={"csrf_token": csrf_token(page.text), **fields})


def password_step(browser, page, factor="email", username=ALICE, password=PASSWORD):
    """Type identifier, password and chosen factor on the sign-in screen."""
    return post_form(browser, page, "/login", username=username, password=password,
                     factor=factor)


def latest_code(mail_catcher, kind="email") -> str:
    """The code of the newest e-mail or SMS the catcher received."""
    message = mail_catcher.messages(kind)[0]
    text = message["text"] if kind == "email" else message["body"]
    return re.search(r"\b(\d{6})\b", text).group(1)


def code_page(browser, response):
    """Follow the redirect to the code screen."""
    assert response.status_code == 302, response.text[:300]
    assert urlsplit(response.headers["Location"]).path.endswith("/code")
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    return page


def type_code(browser, page, code: str):
    """Type a code on the code screen."""
    return post_form(browser, page, "/code", code=code)


def finish(browser, response, rp):
    """Follow the provider's redirects to the client; returns the callback query."""
    while response.status_code == 302 and response.headers["Location"].startswith("/"):
        response = browser.get(response.headers["Location"])
    assert response.status_code == 302, response.text[:300]
    assert response.headers["Location"].startswith(rp.redirect_uri)
    return query_of(response.headers["Location"])


def id_token_of(browser, actors, rp, query, verifier) -> dict:
    """Redeem the code and return the verified ID token's claims."""
    tokens = actors.redeem(browser, rp, query["code"], verifier)
    assert tokens.status_code == 200, tokens.json
    keys = KeySet.import_key_set(browser.get("/jwks.json").json)
    return jwt.decode(tokens.json["id_token"], keys).claims


def shown(response) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(response.text)


def ask_again(browser, screen, factor="email"):
    """From the code screen: "Choisir un autre moyen", then ask for a code by ``factor``."""
    link = re.search(r'href="([^"]*/factor)"', screen.text).group(1)
    return post_form(browser, browser.get(link), "/factor", factor=factor)


def walk_emailed_code_journey(browser, actors, mail_catcher, watch) -> None:
    """Sign Alice in with an e-mailed code, each request of the journey inside ``watch(name)``
    (a context manager recording what the request does): authorize, sign-in page, password,
    code page, code, resume; ends back at the client."""
    actors.user(phone=ALICE_PHONE)
    rp = actors.rp(min_acr="mfa")

    def step(name, call):
        with watch(name):
            return call()

    _, challenge = pkce_pair()
    response = step("authorize", lambda: browser.get("/authorize", query_string=actors.auth_params(
        rp, code_challenge=challenge, code_challenge_method="S256")))
    page = step("sign-in page", lambda: browser.get(response.headers["Location"]))
    response = step("password", lambda: password_step(browser, page, "email"))
    screen = step("code page", lambda: code_page(browser, response))
    response = step("code", lambda: type_code(browser, screen, latest_code(mail_catcher)))
    response = step("resume", lambda: browser.get(response.headers["Location"]))
    assert response.status_code == 302 and response.headers["Location"].startswith(
        rp.redirect_uri)
