"""Rotating SECRET_KEY. The provider restarts with a new SECRET_KEY: with the replaced key in
PREVIOUS_SECRET_KEYS, what was made under it keeps working (an authenticator, recovery codes,
the signing keys, the browser's session, device cookie and open forms), new secrets are
written under the new key, and `idp keys reseal` moves what it can under it. Without the
replaced key each fails clearly: the person is offered another factor, and the operator is
told which setting to fix."""

from __future__ import annotations

import logging
import re
import time

import pyotp
import pytest

from idp.extensions import db
from idp.factors import recovery, secrets_at_rest, totp
from idp.interaction import devices
from idp.models import User
from idp.oidc.keys import SigningKeyUnreadable, key_ring

from .helpers import Actors
from .interaction.second_factor_journey import (
    ALICE,
    code_page,
    finish,
    id_token_of,
    password_step,
    post_form,
    shown,
    start,
    type_code,
)
from .portal.account_journey import follow, sign_in_to_account

KEY_A = "key-A-" + "a" * 42
KEY_B = "key-B-" + "b" * 42


@pytest.fixture
def before(make_app, database_url):
    """The provider under KEY_A, on the suite's database."""
    return make_app(DATABASE_URL=database_url, SECRET_KEY=KEY_A)


@pytest.fixture
def restart(make_app, database_url):
    """Restart the provider on the same database under KEY_B, keeping ``previous`` keys."""
    def build(*previous: str):
        return make_app(DATABASE_URL=database_url, SECRET_KEY=KEY_B,
                        PREVIOUS_SECRET_KEYS=list(previous))
    return build


@pytest.fixture
def alice(before):
    """Alice, with an authenticator, recovery codes and the signing keys made under KEY_A;
    returns her phone's app and her codes."""
    Actors(before).user()
    with before.app_context():
        user = db.session.scalar(db.select(User))
        credential = totp.start_enrolment(user)
        phone = pyotp.TOTP(secrets_at_rest.decrypt(credential.encrypted_secret))
        # The previous step's code: the sign-in's code, later, comes after it.
        assert totp.confirm(user, phone.at(time.time() - totp.INTERVAL_SECONDS)).ok
        codes = recovery.generate(user)
        key_ring(before).jwks()  # creates the signing keys
        db.session.remove()
    return phone, codes


@pytest.fixture
def forgotten(restart, alice):
    """The provider restarted under KEY_B alone, KEY_A forgotten, after Alice's enrolment
    (started before the test runs, so that its log is captured)."""
    return restart()


@pytest.fixture
def rp(before):
    return Actors(before).rp(min_acr="mfa")


def totp_sign_in(app, rp, phone) -> dict:
    """Password and Google Authenticator at ``app``: the verified ID token's claims."""
    browser, actors = app.test_client(), Actors(app)
    page, verifier = start(browser, actors, rp)
    screen = code_page(browser, password_step(browser, page, "totp"))
    return id_token_of(browser, actors, rp, finish(browser, type_code(browser, screen,
                                                                      phone.now()), rp), verifier)


def recovery_sign_in(app, rp, code: str):
    """Password, "Utiliser un code de secours", and ``code`` at ``app``: the last answer."""
    browser = app.test_client()
    page, _ = start(browser, Actors(app), rp)
    screen = code_page(browser, password_step(browser, page))
    choice = browser.get(re.search(r'href="([^"]*/factor)"', screen.text).group(1))
    recovery_page = browser.get(re.search(r'href="([^"]*/recovery)"', choice.text).group(1))
    return browser, post_form(browser, recovery_page, "/recovery", code=code)


def move_cookies(source, target) -> None:
    """The browser of ``source`` now talks to ``target`` (the provider restarted)."""
    for name in (source.application.config["SESSION_COOKIE_NAME"], devices.COOKIE_NAME):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_the_authenticator_and_the_signing_keys_still_work_after_a_rotation(
    before, restart, alice, rp
):
    phone, _ = alice
    jwks = before.test_client().get("/jwks.json").json

    after = restart(KEY_A)

    claims = totp_sign_in(after, rp, phone)
    assert (claims["acr"], claims["amr"]) == ("mfa", ["pwd", "otp", "mfa"])
    assert after.test_client().get("/jwks.json").json == jwks  # the same keys sign


def test_recovery_codes_still_work_after_a_rotation(before, restart, alice, rp, mail_catcher):
    _, codes = alice

    browser, answer = recovery_sign_in(restart(KEY_A), rp, codes[0])

    finish(browser, answer, rp)


def test_the_browser_stays_signed_in_and_known_across_a_rotation(before, restart, alice, rp,
                                                                 mail_catcher):
    browser = before.test_client()
    sign_in_to_account(browser, mail_catcher)
    sign_in_form, _ = start(browser, Actors(before), rp, prompt="login")  # open in a tab
    after = restart(KEY_A)
    moved = after.test_client()
    move_cookies(browser, moved)

    account = moved.get("/account")
    assert account.status_code == 200 and "Mon espace personnel" in account.text
    with after.test_request_context(headers={"Cookie": f"{devices.COOKIE_NAME}="
                                             f"{moved.get_cookie(devices.COOKIE_NAME).value}"}):
        assert devices.known_device(ALICE) is not None
    accepted = password_step(moved, sign_in_form)  # its CSRF token was signed under KEY_A
    assert accepted.status_code == 302


def test_what_is_written_after_a_rotation_needs_the_new_key_alone(before, restart, alice):
    after = restart(KEY_A)
    with after.app_context():
        user = db.session.scalar(db.select(User))
        totp.remove(user)
        sealed = totp.start_enrolment(user).encrypted_secret
        codes = recovery.generate(user)
        db.session.commit()
        db.session.remove()

    with restart().app_context():  # KEY_A forgotten
        user = db.session.scalar(db.select(User))
        assert secrets_at_rest.decrypt(sealed)
        assert recovery.use(user, codes[0])


def test_without_the_replaced_key_the_authenticator_is_not_offered_and_the_log_says_why(
    forgotten, rp, mail_catcher, caplog
):
    browser = forgotten.test_client()
    page, _ = start(browser, Actors(forgotten), rp)

    with caplog.at_level(logging.WARNING):
        refused = password_step(browser, page, "totp")

    assert refused.status_code == 200
    assert "Google Authenticator ne peut plus être utilisé pour ce compte" in shown(refused)
    assert "PREVIOUS_SECRET_KEYS" in caplog.text
    screen = code_page(browser, post_form(browser, refused, "/factor", factor="email"))
    assert screen.status_code == 200  # another factor, at once


def test_without_the_replaced_key_recovery_codes_are_refused_like_wrong_ones(
    before, restart, alice, rp, mail_catcher
):
    _, codes = alice

    _, answer = recovery_sign_in(restart(), rp, codes[0])

    assert answer.status_code == 200
    assert "Code de secours incorrect ou déjà utilisé." in shown(answer)


def test_without_the_replaced_key_the_browser_signs_in_again(before, restart, alice,
                                                             mail_catcher):
    browser = before.test_client()
    sign_in_to_account(browser, mail_catcher)
    after = restart()
    moved = after.test_client()
    move_cookies(browser, moved)

    sign_in_again = follow(moved, moved.get("/account"))
    assert sign_in_again.status_code == 200 and 'name="password"' in sign_in_again.text
    with after.test_request_context(headers={"Cookie": f"{devices.COOKIE_NAME}="
                                             f"{moved.get_cookie(devices.COOKIE_NAME).value}"}):
        assert devices.known_device(ALICE) is None


def test_without_the_replaced_key_the_signing_keys_name_the_setting_to_fix(before, restart,
                                                                           alice):
    after = restart()
    with after.app_context(), pytest.raises(SigningKeyUnreadable, match="PREVIOUS_SECRET_KEYS"):
        key_ring(after).signing_key("RS256")


def test_a_waiting_enrolment_without_the_replaced_key_gets_a_new_secret(before, restart,
                                                                        mail_catcher):
    Actors(before).user()
    with before.app_context():
        totp.start_enrolment(db.session.scalar(db.select(User)))
        db.session.remove()
    browser = restart().test_client()
    account = sign_in_to_account(browser, mail_catcher)

    assert browser.get("/account/authenticator").status_code == 302  # nothing to show
    page = follow(browser, post_form(browser, account, "/account/authenticator"))
    assert page.status_code == 200 and 'class="secret"' in page.text


def test_idp_keys_reseal_moves_everything_it_can_read_under_the_new_key(before, restart, alice,
                                                                        rp):
    phone, _ = alice
    after = restart(KEY_A)

    result = after.test_cli_runner().invoke(args=["keys", "reseal"])

    assert result.exit_code == 0, result.output
    assert "clés de signature : 4 chiffré(s) à nouveau sous SECRET_KEY, 0 illisible(s)" in (
        result.output)
    assert "secrets Google Authenticator : 1 chiffré(s) à nouveau" in result.output
    again = after.test_cli_runner().invoke(args=["keys", "reseal"])
    assert "clés de signature : 0 chiffré(s)" in again.output
    claims = totp_sign_in(restart(), rp, phone)  # KEY_A forgotten
    assert claims["amr"] == ["pwd", "otp", "mfa"]


def test_idp_keys_reseal_reports_what_no_configured_key_reads(before, restart, alice):
    result = restart().test_cli_runner().invoke(args=["keys", "reseal"])

    assert result.exit_code == 1
    assert "clés de signature : 0 chiffré(s) à nouveau sous SECRET_KEY, 4 illisible(s)" in (
        result.output)
    assert "secrets Google Authenticator : 0 chiffré(s) à nouveau sous SECRET_KEY, " \
           "1 illisible(s)" in result.output
    assert "ajoutez à PREVIOUS_SECRET_KEYS" in result.output
