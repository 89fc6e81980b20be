"""A browser opening the account page, for the tests of the account area."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp

from ..helpers import csrf_token
from ..interaction.second_factor_journey import code_page, latest_code, password_step, type_code


def follow(browser, response):
    """Follow redirects inside the provider (the account's callback included)."""
    while response.status_code == 302:
        response = browser.get(response.headers["Location"])
    return response


def sign_in_to_account(browser, mail_catcher):
    """Open /account without a session, sign in by password and e-mail code: the account page."""
    response = browser.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authorize"
    response = browser.get(response.headers["Location"])
    page = browser.get(response.headers["Location"])
    screen = code_page(browser, password_step(browser, page, "email"))
    account = follow(browser, type_code(browser, screen, latest_code(mail_catcher)))
    assert account.status_code == 200 and "Mon espace personnel" in account.text
    return account


def post(browser, page, action: str, **fields):
    """Submit the form of ``page`` whose action is ``action``, with its CSRF token."""
    assert f'action="{action}"' in page.text, f"no form to {action}"
    return browser.post(action, data={"csrf_token": csrf_token(page.text), **fields})


def enrol_authenticator(browser, account) -> pyotp.TOTP:
    """Activate Google Authenticator from the account page; returns the phone's app."""
    page = follow(browser, post(browser, account, "/account/authenticator"))
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1)
    phone = pyotp.TOTP(secret.replace(" ", ""))
    done = follow(browser, post(browser, page, "/account/authenticator/confirm", code=phone.now()))
    assert "Google Authenticator est activé" in done.text
    return phone
