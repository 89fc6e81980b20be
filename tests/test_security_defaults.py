"""The security defaults of DESIGN.md are what a provider built from config/default.toml alone
enforces, seen from outside rather than read back from the file: the argon2id parameters written
into a password hash (the rest of the suite hashes cheaper), and how many failed sign-ins an
address or an account is allowed before the 429 page (the rate-limit tests lower the limits)."""

from __future__ import annotations

from argon2 import Type, extract_parameters

from idp.accounts.passwords import hash_password, verify_password

from .helpers import PASSWORD, Actors
from .interaction.limited_journey import assert_refused, browser, sign_in_screen
from .interaction.second_factor_journey import ALICE, password_step, shown

LOGIN_FAILED = "Identifiant ou mot de passe incorrect."


def test_passwords_are_hashed_with_argon2id_19_mib_two_passes_one_lane(make_app):
    application = make_app(defaults=True)
    with application.app_context():
        stored = hash_password(PASSWORD)
        assert verify_password(stored, PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    parameters = extract_parameters(stored)
    assert (parameters.type, parameters.memory_cost, parameters.time_cost,
            parameters.parallelism) == (Type.ID, 19 * 1024, 2, 1)


def test_an_address_gets_100_failed_sign_ins_a_minute_then_waits(make_app):
    application = make_app(defaults=True)
    hospital = browser(application, "10.20.30.40")
    page = sign_in_screen(application, hospital)
    for n in range(100):  # one identifier each: the limit of an account plays no part
        answer = password_step(hospital, page, username=f"agent{n}@chu-test.mssante.fr",
                               password="not the password")
        assert LOGIN_FAILED in shown(answer), n
    assert_refused(password_step(hospital, page, username="agent100@chu-test.mssante.fr",
                                 password="not the password"))

    elsewhere = browser(application, "10.20.30.41")
    answer = password_step(elsewhere, sign_in_screen(application, elsewhere),
                           username="agent101@chu-test.mssante.fr", password="not the password")
    assert LOGIN_FAILED in shown(answer)


def test_an_account_gets_30_sign_in_attempts_a_minute_whatever_the_address(make_app):
    application = make_app(defaults=True)
    Actors(application).user()
    for n in range(30):  # right passwords, so that the growing delays stay out of the way
        person = browser(application, f"10.0.1.{n}")
        answer = password_step(person, sign_in_screen(application, person))
        assert answer.status_code == 302, n
    person = browser(application, "10.0.1.30")
    assert_refused(password_step(person, sign_in_screen(application, person), username=ALICE))
