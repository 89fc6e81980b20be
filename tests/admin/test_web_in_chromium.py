"""The administration in a real browser: the referent opens /admin, signs in with password and
the e-mailed code, creates an account for someone of their organisation and finds it in the
list; on a phone the same pages fit the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..browser.conftest import browser, live_server  # noqa: F401 - fixtures used below
from ..chromium import ARTIFACTS, CHROMIUM
from ..helpers import PASSWORD
from ..interaction.second_factor_journey import latest_code
from .conftest import ALICE, ORG_A, RITA

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM}")

PHONE = {"width": 375, "height": 740}
NEW = "chloe.petit@chu-a.mssante.fr"


def test_the_referent_signs_in_creates_an_account_and_finds_it_in_the_list(
        browser, live_server, world, mail_catcher, screenshot):  # noqa: F811 - fixtures
    problems = []
    browser.on("pageerror", lambda error: problems.append(str(error)))
    browser.on("console", lambda m: problems.append(m.text)
               if "Content Security Policy" in m.text else None)

    browser.goto(f"{live_server}/admin/comptes")
    browser.get_by_label("Utilisateur").fill(RITA)
    browser.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    browser.get_by_role("button", name="Connexion").click()
    dialog = browser.get_by_role("dialog", name="Saisissez votre code")
    dialog.get_by_label("Code à 6 chiffres").fill(latest_code(mail_catcher))
    dialog.get_by_role("button", name="Ok").click()

    expect(browser).to_have_url(f"{live_server}/admin/comptes", timeout=10_000)
    expect(browser.get_by_role("heading", name="Comptes")).to_be_visible()
    expect(browser.get_by_role("link", name=ALICE)).to_be_visible()

    browser.get_by_role("link", name="Créer un compte").click()
    browser.get_by_label("Adresse MSSanté").fill(NEW)
    browser.get_by_label("Prénom et nom").fill("Chloé Petit")
    browser.get_by_label("Email de notification").fill("chloe@example.org")
    browser.get_by_label("Téléphone mobile (facultatif)").fill("+33 6 12 34 56 78")
    expect(browser.get_by_label("Structure")).to_have_value(ORG_A)
    browser.get_by_role("button", name="Créer le compte").click()

    expect(browser.get_by_role("status")).to_contain_text(f"Le compte {NEW} est créé")
    expect(browser.get_by_role("heading", name="Chloé Petit")).to_be_visible()
    expect(browser.get_by_text("Pas encore choisi")).to_be_visible()
    expect(browser.get_by_role("button", name="Terminer toutes les sessions")).to_be_visible()
    screenshot(browser, "admin-2-account")
    assert mail_catcher.messages("email")[0]["to"] == ["chloe@example.org"]

    browser.get_by_role("navigation", name="Menu de l'administration").get_by_role(
        "link", name="Comptes").click()
    expect(browser.get_by_role("link", name=NEW)).to_be_visible()
    row = browser.get_by_role("row").filter(has_text=NEW)
    expect(row).to_contain_text("Chloé Petit")
    expect(row).to_contain_text("Actif")
    screenshot(browser, "admin-1-list")
    browser.get_by_role("link", name="Journal", exact=True).click()
    expect(browser.get_by_role("cell", name="admin.account_created")).to_be_visible()
    browser.screenshot(path=str(ARTIFACTS / "admin-5-journal.png"))  # its first screen

    browser.set_viewport_size(PHONE)
    for path in ("/admin/comptes", f"/admin/comptes/{NEW}", "/admin/journal"):
        browser.goto(f"{live_server}{path}")
        assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    browser.screenshot(path=str(ARTIFACTS / "admin-3-journal-phone.png"))  # its first screen
    browser.goto(f"{live_server}/admin/comptes")
    screenshot(browser, "admin-4-list-phone")
    assert re.search(r"/admin/comptes$", browser.url)
    assert problems == []  # no script error, nothing refused by the pages' CSP
