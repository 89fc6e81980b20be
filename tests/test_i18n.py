"""French first; English through ui_locales and Accept-Language (Flask-Babel catalogs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from idp.i18n import from_ui_locales

from .interaction.second_factor_journey import (
    ALICE,
    ALICE_PHONE,
    code_page,
    latest_code,
    password_step,
    shown,
    start,
)

CATALOG = Path(__file__).resolve().parents[1] / "idp" / "translations" / "en" / "LC_MESSAGES"
TEMPLATE = CATALOG.parents[1] / "messages.pot"


@pytest.fixture
def rp(actors):
    """Alice (with a mobile number) and a webmail that wants two factors."""
    actors.user(phone=ALICE_PHONE)
    return actors.rp(min_acr="mfa")


def load(reader, path: Path):
    with path.open("rb") as file:
        return reader(file)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.text).group(1)


def test_the_sign_in_screen_is_in_french_by_default(client, actors, rp):
    page, _ = start(client, actors, rp)
    assert html_lang(page) == "fr"
    assert "Connexion à la Messagerie Sécurisée de Santé" in shown(page)
    assert "Mot de passe oublié ?" in shown(page)


def test_the_sign_in_screen_is_in_french_for_a_french_browser(client, actors, rp):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    page, _ = start(client, actors, rp)
    assert html_lang(page) == "fr"
    assert "Authentification à deux facteurs :" in shown(page)


def test_the_sign_in_screen_is_in_english_for_an_english_browser(client, actors, rp):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    page, _ = start(client, actors, rp)
    text = shown(page)
    assert html_lang(page) == "en"
    assert "Sign in to the Health Secure Messaging service" in text
    assert "Forgot your password?" in text
    assert "Two-factor authentication:" in text
    assert "Google Authenticator" in text  # product names stay as they are
    assert "Mot de passe" not in text


def test_an_unsupported_language_falls_back_to_french(client, actors, rp):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    page, _ = start(client, actors, rp)
    assert html_lang(page) == "fr"


def test_ui_locales_en_gives_english_screens_for_the_whole_journey(client, actors, rp,
                                                                   mail_catcher):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"  # the request wins
    page, _ = start(client, actors, rp, ui_locales="de en-US fr")
    assert html_lang(page) == "en"
    assert "Sign in to the Health Secure Messaging service" in shown(page)

    screen = code_page(client, password_step(client, page, "email"))
    assert html_lang(screen) == "en"
    assert "A code has been sent to your notification email." in shown(screen)
    assert "Enter your code" in shown(screen)

    [mail] = mail_catcher.messages("email")
    assert mail["subject"] == "Signing in to your MSSanté account"
    assert f"To sign in to your MSSanté account {ALICE}, please enter the following code:" \
        in mail["text"]
    assert "Kind regards," in mail["text"] and "Bonjour" not in mail["text"]
    assert 'lang="en"' in mail["html"]
    assert latest_code(mail_catcher) in mail["text"]


def test_a_wrong_password_is_told_in_english(client, actors, rp):
    page, _ = start(client, actors, rp, ui_locales="en")
    refused = password_step(client, page, "email", password="not the password")
    assert refused.status_code == 200
    assert "Incorrect username or password." in shown(refused)


def test_the_sms_is_in_english_for_an_english_journey(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp, ui_locales="en")
    code_page(client, password_step(client, page, "sms"))
    [sms] = mail_catcher.messages("sms")
    assert sms["body"].startswith("MSSanté: your sign-in code is ")


def test_a_later_request_without_ui_locales_follows_the_browser_again(client, actors, rp):
    page, _ = start(client, actors, rp, ui_locales="en")
    assert html_lang(page) == "en"
    page, _ = start(client, actors, rp)
    assert html_lang(page) == "fr"


def test_ui_locales_fr_keeps_french_for_an_english_browser(client, actors, rp, mail_catcher):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page, _ = start(client, actors, rp, ui_locales="fr-FR en")
    assert html_lang(page) == "fr"
    code_page(client, password_step(client, page, "email"))
    [mail] = mail_catcher.messages("email")
    assert mail["subject"] == "Connexion à votre compte MSSanté"


def test_error_pages_are_in_english_for_an_english_browser(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert html_lang(response) == "en"
    assert "Page not found" in response.text and "This page does not exist." in response.text

    french = client.get("/no-such-page")
    assert "Page introuvable" in french.text and html_lang(french) == "fr"


def test_json_errors_carry_a_plain_string_message(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json",
                                                    "Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json["error_description"] == "This page does not exist."


@pytest.mark.parametrize(("value", "expected"), [
    ("en", "en"), ("fr-FR en", "fr"), ("de en_GB", "en"), ("EN-us", "en"), ("de it", None),
    ("", None),
])
def test_ui_locales_takes_the_first_supported_language(value, expected):
    assert from_ui_locales(value) == expected


def test_every_message_has_an_english_translation():
    catalog = load(read_po, CATALOG / "messages.po")
    messages = [m for m in catalog if m.id]
    assert messages
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        assert not message.check(catalog), f"bad placeholders: {message.id!r}"


def test_the_catalog_has_every_message_of_the_template():
    template = load(read_po, TEMPLATE)
    catalog = load(read_po, CATALOG / "messages.po")
    assert {m.id for m in template if m.id} == {m.id for m in catalog if m.id}


def test_the_compiled_catalog_matches_its_source():
    """messages.mo is committed: it must be `pybabel compile` of the current messages.po."""
    source = load(read_po, CATALOG / "messages.po")
    compiled = load(read_mo, CATALOG / "messages.mo")

    def pairs(catalog):
        def frozen(value):
            return value if isinstance(value, str) else tuple(value)

        return {(frozen(m.id), frozen(m.string)) for m in catalog
                if m.id and m.string and not m.fuzzy}

    assert pairs(compiled) == pairs(source), "run `make translations` (pybabel compile)"
