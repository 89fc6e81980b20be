"""The newcomer's journey of the README in Chromium: sign in to the webmail with the password
and the code read in the mail catcher, open the BAL organisationnelle, send a message, log out.

Everything is real: the provider is an `idp serve` process, the webmail serves over HTTP, the
code travels by SMTP to the test mail catcher; screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..chromium import open_browser
from .conftest import JEANNE, ORG_BOX, PASSWORD, PAUL, latest_code


@pytest.fixture
def page(chromium):
    context = open_browser(chromium)
    yield context.new_page()
    context.close()


def test_a_newcomer_signs_in_opens_the_organisational_mailbox_sends_and_logs_out(
        page, stack, mail_catcher, screenshot):
    page.goto(stack.webmail_url + "/")
    page.get_by_role("link", name="Se connecter").click()
    expect(page).to_have_url(re.compile(re.escape(stack.issuer) + r"/interaction/"))
    page.get_by_label("Utilisateur").fill(JEANNE)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    screenshot(page, "webmail-1-sign-in")
    page.get_by_role("button", name="Connexion").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    screenshot(page, "webmail-2-code")
    dialog.get_by_label("Code à 6 chiffres").fill(latest_code(mail_catcher))
    dialog.get_by_role("button", name="Ok").click()

    expect(page).to_have_url(re.compile(re.escape(stack.webmail_url)))
    expect(page.get_by_text("Secrétariat de cardiologie")).to_be_visible()
    screenshot(page, "webmail-3-mailboxes")

    page.locator(f"a[href*='{ORG_BOX}'][href$='/nouveau']").first.click()
    page.get_by_label("À").fill(PAUL)
    page.get_by_label("Objet").fill("Compte rendu de consultation")
    page.locator("textarea").fill("Bonjour Paul, voici le compte rendu.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Message envoyé.")).to_be_visible()
    expect(page.get_by_text("Compte rendu de consultation")).to_be_visible()
    screenshot(page, "webmail-4-sent")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(re.escape(stack.webmail_url) + r"/"))
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    screenshot(page, "webmail-5-logged-out")

    page.get_by_role("link", name="Se connecter").click()  # the provider's session ended too
    expect(page.get_by_label("Mot de passe", exact=True)).to_be_visible()
