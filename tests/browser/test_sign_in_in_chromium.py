"""The sign-in of the user guide in a real browser: identifier, password, "Email" left selected,
"Connexion", then the code received by e-mail typed in the pop-up and "Ok" opens the webmail.
With the mouse, with the keyboard only, after a wrong code, and without JavaScript."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from ..chromium import CHROMIUM
from ..helpers import PASSWORD, Actors, query_of
from ..interaction.second_factor_journey import ALICE, ALICE_NOTIFICATIONS, latest_code

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM}")

LAPTOP = {"width": 1024, "height": 760}
PHONE = {"width": 375, "height": 740}
CODE_DIALOG = "Saisissez votre code"
CODE_FIELD = "Code à 6 chiffres"
FOCUSED = "document.activeElement.id || document.activeElement.textContent"


@pytest.fixture
def rp(actors, relying_party):
    """Alice, and the webmail, which wants two factors."""
    actors.user()
    return actors.rp(min_acr="mfa", redirect_uris=[relying_party.redirect_uri])


def open_sign_in(page, live_server, rp) -> dict[str, str]:
    """Let the webmail send the browser to the provider; returns the request's parameters."""
    params = Actors.auth_params(rp)
    page.goto(f"{live_server}/authorize?{urlencode(params)}")
    expect(page.get_by_role("heading", name="Connexion à la Messagerie Sécurisée de Santé")
           ).to_be_visible()
    return params


def type_password(page):
    """Fill identifier and password; the factor stays on Email, as the guide says."""
    page.get_by_label("Utilisateur").fill(ALICE)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    expect(page.get_by_role("radio", name="Email")).to_be_checked()


def code_dialog(page):
    """The open pop-up asking for the code."""
    dialog = page.get_by_role("dialog", name=CODE_DIALOG)
    expect(dialog).to_be_visible()
    return dialog


def assert_signed_in(page, live_server, rp, params):
    """The browser is back at the webmail with an authorization code from this provider."""
    expect(page).to_have_url(re.compile(re.escape(rp.redirect_uri) + r"\?"), timeout=10_000)
    query = query_of(page.url)
    assert query["code"] and query["state"] == params["state"]
    assert query["iss"] == live_server
    expect(page.get_by_text("Connecté au webmail.")).to_be_visible()


def test_the_code_is_asked_in_a_modal_dialog_and_ok_signs_in(
        browser, live_server, rp, mail_catcher, screenshot):
    """After "Connexion" the code received at the notification address is typed in a modal
    pop-up over the page, focus already in the code field; "Ok" opens the webmail."""
    problems = []
    browser.on("pageerror", lambda error: problems.append(str(error)))
    browser.on("console", lambda m: problems.append(m.text)
               if "Content Security Policy" in m.text else None)
    params = open_sign_in(browser, live_server, rp)
    expect(browser.get_by_role("group", name="Authentification à deux facteurs :")).to_be_visible()
    expect(browser.get_by_label("Utilisateur")).to_have_attribute(
        "placeholder", "org.prenom.nom@nom de domaine")
    expect(browser.get_by_role("link", name="Mot de passe oublié ?")).to_have_attribute(
        "href", "/password/forgot")
    expect(browser.get_by_text("OU", exact=True)).to_be_visible()
    psc = browser.get_by_role("link", name=re.compile("^S'identifier avec PRO SANTÉ CONNECT"))
    expect(psc).to_have_accessible_name(
        "S'identifier avec PRO SANTÉ CONNECT — Un service du ministère chargé de la Santé")
    browser.set_viewport_size(PHONE)
    screenshot(browser, "1-login-phone")
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser.set_viewport_size(LAPTOP)
    type_password(browser)
    screenshot(browser, "1-login")
    browser.get_by_role("button", name="Connexion").click()

    dialog = code_dialog(browser)
    assert dialog.evaluate("element => element.matches(':modal')")
    field = dialog.get_by_label(CODE_FIELD)
    expect(field).to_be_focused()
    expect(dialog).to_have_accessible_description(
        "Un code vous a été envoyé sur votre email de notification.")
    screenshot(browser, "2-code-modal")
    assert mail_catcher.messages("email")[0]["to"] == [ALICE_NOTIFICATIONS]
    field.fill(latest_code(mail_catcher))
    dialog.get_by_role("button", name="Ok").click()

    assert_signed_in(browser, live_server, rp, params)
    screenshot(browser, "4-done")
    assert problems == []  # no script error, nothing refused by the pages' CSP


def test_a_wrong_code_is_announced_in_the_dialog_then_the_right_one_signs_in(
        browser, live_server, rp, mail_catcher, screenshot):
    """A wrong code brings the pop-up back with the error as an alert that the code field
    refers to, so a screen reader says it; the right code then signs in."""
    params = open_sign_in(browser, live_server, rp)
    type_password(browser)
    browser.get_by_role("button", name="Connexion").click()
    right = latest_code(mail_catcher)
    code_dialog(browser).get_by_label(CODE_FIELD).fill("000000" if right != "000000" else "111111")
    code_dialog(browser).get_by_role("button", name="Ok").click()

    dialog = code_dialog(browser)
    error = "Code incorrect. Il vous reste 4 essai(s)."
    expect(dialog.get_by_role("alert")).to_have_text(error)
    field = dialog.get_by_label(CODE_FIELD)
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(error)
    expect(field).to_have_attribute("aria-invalid", "true")
    screenshot(browser, "3-wrong-code")
    field.fill(right)
    dialog.get_by_role("button", name="Ok").click()

    assert_signed_in(browser, live_server, rp, params)


def test_the_whole_sign_in_works_with_the_keyboard_only(browser, live_server, rp, mail_catcher):
    """Tab goes through the fields, the factor choice and "Connexion"; Escape closes the pop-up
    and gives the focus to the button that opens it again; Enter sends the code."""
    params = open_sign_in(browser, live_server, rp)
    expect(browser.get_by_label("Utilisateur")).to_be_focused()
    browser.keyboard.type(ALICE)
    browser.keyboard.press("Tab")
    expect(browser.get_by_label("Mot de passe", exact=True)).to_be_focused()
    browser.keyboard.type(PASSWORD)
    visited = []
    for _ in range(4):
        browser.keyboard.press("Tab")
        visited.append(browser.evaluate(FOCUSED))
        if visited[-1] == "Connexion":
            break
    assert visited[0] == "Mot de passe oublié ?" and "factor-email" in visited, visited
    assert visited[-1] == "Connexion", visited
    browser.keyboard.press("Enter")

    field = code_dialog(browser).get_by_label(CODE_FIELD)
    expect(field).to_be_focused()
    # The field is focused from the page itself; Escape closes the dialog once the deferred
    # code_dialog.js has made it modal and shown the button that opens it again.
    browser.wait_for_function("!document.getElementById('code-dialog-opener').hidden")
    browser.keyboard.press("Escape")
    opener = browser.get_by_role("button", name="Saisir le code")
    expect(browser.get_by_role("dialog")).to_be_hidden()
    expect(opener).to_be_focused()
    browser.keyboard.press("Enter")
    expect(field).to_be_focused()
    browser.keyboard.type(latest_code(mail_catcher))
    browser.keyboard.press("Enter")

    assert_signed_in(browser, live_server, rp, params)


def test_without_javascript_the_code_is_asked_on_a_page_of_its_own(
        browser_without_javascript, live_server, rp, mail_catcher, screenshot):
    """With JavaScript turned off the same journey works: the code form is part of the page."""
    page = browser_without_javascript
    params = open_sign_in(page, live_server, rp)
    type_password(page)
    page.get_by_role("button", name="Connexion").click()

    dialog = code_dialog(page)
    assert not dialog.evaluate("element => element.matches(':modal')")
    expect(page.get_by_role("button", name="Saisir le code")).to_be_hidden()
    screenshot(page, "2-code-page-without-javascript")
    dialog.get_by_label(CODE_FIELD).fill(latest_code(mail_catcher))
    dialog.get_by_role("button", name="Ok").click()

    assert_signed_in(page, live_server, rp, params)
