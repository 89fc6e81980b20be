"""Rate limits of the sign-in journey: generous per IP address, tight but short per account.

Each test builds its own provider with the limits it needs (the limits are settings, see
``make_app``), on its own migrated database; the limiter then counts in that provider's storage,
fresh for each test.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis

from ..helpers import Actors
from .limited_journey import assert_refused, browser, sign_in_screen
from .second_factor_journey import (
    ALICE,
    code_page,
    latest_code,
    password_step,
    shown,
    type_code,
)

#: The Redis database the shared-counter test may use (it removes only the keys it creates).
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_hundreds_of_people_behind_one_address_sign_in_600_times_a_minute(make_app):
    application = make_app(RATELIMIT_FAILURES_PER_IP="1000 per minute")
    assert application.config["RATELIMIT_SIGNIN_PER_IP"] == "600 per minute"
    hospital = browser(application)
    page = sign_in_screen(application, hospital)
    for n in range(600):
        answer = password_step(hospital, page, username=f"agent{n}@chu-test.mssante.fr",
                               password="not the password")
        assert answer.status_code == 200, n
    assert_refused(password_step(hospital, page, username="agent600@chu-test.mssante.fr"))


def test_past_the_limit_of_an_address_the_next_post_waits_with_a_french_page(make_app):
    application = make_app(RATELIMIT_SIGNIN_PER_IP="3 per minute")
    Actors(application).user()
    hospital = browser(application)
    page = sign_in_screen(application, hospital)
    for n in range(3):
        wrong = password_step(hospital, page, username=f"agent{n}@chu-test.mssante.fr")
        assert "Identifiant ou mot de passe incorrect." in shown(wrong)
    refused = password_step(hospital, page)  # even the right password waits
    assert_refused(refused)
    assert "Content-Security-Policy" in refused.headers

    elsewhere = browser(application, "192.0.2.7")
    assert password_step(elsewhere, sign_in_screen(application, elsewhere)).status_code == 302


def test_the_address_limit_counts_the_code_step_too(make_app, mail_catcher):
    application = make_app(RATELIMIT_SIGNIN_PER_IP="2 per minute")
    Actors(application).user()
    hospital = browser(application)
    screen = code_page(hospital, password_step(hospital, sign_in_screen(application, hospital,
                                                                         "mfa")))
    assert type_code(hospital, screen, "000000").status_code == 200
    assert_refused(type_code(hospital, screen, latest_code(mail_catcher)))


def test_only_failed_steps_count_against_the_failure_limit(make_app, mail_catcher):
    application = make_app(RATELIMIT_FAILURES_PER_IP="2 per minute")
    Actors(application).user()
    hospital = browser(application)
    for _ in range(4):  # successful sign-ins do not count
        assert password_step(hospital, sign_in_screen(application, hospital)).status_code == 302

    screen = code_page(hospital, password_step(hospital, sign_in_screen(application, hospital,
                                                                         "mfa")))
    wrong = "000000" if latest_code(mail_catcher) != "000000" else "111111"
    assert "Code incorrect." in shown(type_code(hospital, screen, wrong))
    page = sign_in_screen(application, hospital)
    assert password_step(hospital, page, password="not the password").status_code == 200
    assert_refused(password_step(hospital, page))


def test_an_account_is_limited_whatever_the_address(make_app):
    application = make_app(RATELIMIT_SIGNIN_PER_ACCOUNT="2 per minute")
    Actors(application).user()
    for address in ("10.0.0.1", "10.0.0.2"):
        person = browser(application, address)
        page = sign_in_screen(application, person)
        assert password_step(person, page, password="not the password").status_code == 200
    attacker = browser(application, "10.0.0.3")
    page = sign_in_screen(application, attacker)
    assert_refused(password_step(attacker, page, username=ALICE.upper()))
    other = password_step(attacker, page, username="bob.durand@chu-test.mssante.fr")
    assert "Identifiant ou mot de passe incorrect." in shown(other)


def test_an_unknown_identifier_is_limited_the_same_way(make_app):
    application = make_app(RATELIMIT_SIGNIN_PER_ACCOUNT="2 per minute")
    Actors(application).user()
    answers = {}
    for identifier in (ALICE, "personne.inconnue@chu-test.mssante.fr"):
        attacker = browser(application, "10.0.0.9")
        page = sign_in_screen(application, attacker)
        answers[identifier] = [
            password_step(attacker, page, username=identifier, password="not the password")
            for _ in range(3)
        ]
    known, unknown = answers.values()
    assert [a.status_code for a in known] == [a.status_code for a in unknown] == [200, 200, 429]
    assert shown(known[2]) == shown(unknown[2])
    # the same wait, give or take the second that passed between the two attempts
    waits = int(known[2].headers["Retry-After"]), int(unknown[2].headers["Retry-After"])
    assert abs(waits[0] - waits[1]) <= 1 and min(waits) > 0


def test_strangers_at_the_limit_of_an_account_never_hold_back_her_usual_browser(make_app):
    application = make_app(RATELIMIT_SIGNIN_PER_ACCOUNT="2 per minute")
    Actors(application).user()
    alice = browser(application, "10.0.0.1")
    assert password_step(alice, sign_in_screen(application, alice)).status_code == 302
    attacker = browser(application, "10.0.0.66")
    page = sign_in_screen(application, attacker)
    password_step(attacker, page, password="not the password")
    assert_refused(password_step(attacker, page, password="not the password"))
    for _ in range(2):  # her browser, which signed in before, has a count of its own
        assert password_step(alice, sign_in_screen(application, alice)).status_code == 302
    assert_refused(password_step(alice, sign_in_screen(application, alice)))
    assert_refused(password_step(attacker, page))


def test_the_code_step_is_limited_per_person(make_app, mail_catcher):
    application = make_app(RATELIMIT_SIGNIN_PER_ACCOUNT="2 per minute")
    Actors(application).user()
    for address in ("10.0.0.1", "10.0.0.2"):
        person = browser(application, address)
        screen = code_page(person, password_step(person, sign_in_screen(application, person,
                                                                         "mfa")))
        assert type_code(person, screen, "000000").status_code == 200
    assert_refused(type_code(person, screen, latest_code(mail_catcher)))


def test_a_person_limited_by_an_attacker_may_sign_in_once_the_window_ends(make_app):
    application = make_app(RATELIMIT_SIGNIN_PER_ACCOUNT="1 per second")
    Actors(application).user()
    attacker = browser(application, "10.0.0.66")
    page = sign_in_screen(application, attacker)
    password_step(attacker, page, password="not the password")
    alice = browser(application, "10.0.0.1")
    page = sign_in_screen(application, alice)
    assert_refused(password_step(alice, page))
    time.sleep(1.1)
    assert password_step(alice, page).status_code == 302


def test_a_refusal_never_says_retry_at_once(app):
    """The limiter truncates Retry-After, so a window ending within the second gave "0"."""
    with app.test_request_context("/interaction/x/login", method="POST"):
        refused = app.process_response(app.make_response(("", 429, {"Retry-After": "0"})))
        waiting = app.process_response(app.make_response(("", 429, {"Retry-After": "7"})))
    assert (refused.headers["Retry-After"], waiting.headers["Retry-After"]) == ("1", "7")


@pytest.fixture
def redis_db():
    """The Redis database of REDIS_URL, left with the keys it had: the test's counters are
    removed. Skipped without Redis (a failure in CI: ``tests.required``)."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        before = set(connection.scan_iter())
    except redis.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    yield connection
    created = set(connection.scan_iter()) - before
    if created:
        connection.delete(*created)
    connection.close()


@pytest.mark.parametrize(("storage", "shared"), [(REDIS_URL, True), ("", False)])
def test_with_redis_the_counters_are_shared_by_every_process(make_app, redis_db, storage,
                                                             shared):
    settings = {"REDIS_URL": storage, "RATELIMIT_SIGNIN_PER_ACCOUNT": "2 per minute"}
    first = make_app(**settings)
    identifier = f"agent.{uuid.uuid4().hex}@chu-test.mssante.fr"
    for address in ("10.0.0.1", "10.0.0.2"):
        person = browser(first, address)
        page = sign_in_screen(first, person)
        assert password_step(person, page, username=identifier).status_code == 200

    second = make_app(**settings)  # another process: its own limiter storage
    person = browser(second, "10.0.0.3")
    third = password_step(person, sign_in_screen(second, person), username=identifier)
    assert third.status_code == (429 if shared else 200)
    assert bool(list(redis_db.scan_iter(f"*{identifier}*"))) == shared


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_limit(make_app):
    application = make_app(TRUSTED_PROXIES=1, RATELIMIT_SIGNIN_PER_IP="1 per minute")
    proxy = browser(application, "10.9.9.9")
    page = sign_in_screen(application, proxy)
    for address in ("192.0.2.1", "192.0.2.2"):
        proxy.environ_base["HTTP_X_FORWARDED_FOR"] = address
        assert password_step(proxy, page, password="not the password").status_code == 200
    assert_refused(password_step(proxy, page, password="not the password"))
