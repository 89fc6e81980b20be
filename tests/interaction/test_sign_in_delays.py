"""Wrong passwords typed by strangers never keep a person out: the browser she signed in with
before keeps signing her in (its device cookie gives it an allowance of its own), while every
other browser reads, for her address as for an address that exists nowhere, "Trop d'essais
pour ce compte. Réessayez à 14 h 32 ou réinitialisez votre mot de passe." (429, Retry-After),
whatever the password typed."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from idp.extensions import db
from idp.interaction.devices import COOKIE_NAME
from idp.models import FailureCounter
from idp.models.base import utcnow

from ..helpers import PASSWORD
from .second_factor_journey import ALICE, finish, password_step, shown, start

NOBODY = "personne.inconnue@chu-test.mssante.fr"
WRONG = "not her password"
DELAYED = re.compile(r"Trop d'essais pour ce compte\. Réessayez à (\d\d) h (\d\d) ou "
                     r"réinitialisez votre mot de passe\.")


@pytest.fixture
def rp(actors):
    """Alice, and an app for which a password is enough."""
    actors.user()
    actors.user("bob.durand@chu-test.mssante.fr", name="Bob Durand")
    return actors.rp()


def attempt(browser, actors, rp, username=ALICE, password=WRONG, **headers):
    """One password step in ``browser`` on a new authorization request."""
    if headers:
        browser.environ_base.update(headers)
    page, _ = start(browser, actors, rp, prompt="login")
    return password_step(browser, page, username=username, password=password)


def age_the_delays(app):
    with app.app_context():
        db.session.execute(db.update(FailureCounter)
                           .values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def strangers_try(app, actors, rp, times, username=ALICE):
    """``times`` wrong passwords from a stranger's browser, each once the delay before it
    ended: twelve make strangers wait a quarter of an hour."""
    stranger = app.test_client()
    for _ in range(times):
        age_the_delays(app)
        response = attempt(stranger, actors, rp, username)
        assert response.status_code == 200 and not DELAYED.search(shown(response))
    return stranger


def signs_in(browser, actors, rp, username=ALICE) -> bool:
    response = attempt(browser, actors, rp, username, PASSWORD)
    if response.status_code != 302:
        return False
    return "code" in finish(browser, response, rp)


def test_strangers_never_hold_back_the_browser_she_signed_in_with(app, actors, rp):
    hers = app.test_client()
    assert signs_in(hers, actors, rp)
    cookie = hers.get_cookie(COOKIE_NAME)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert ALICE not in cookie.value  # the address is not readable in it
    stranger = strangers_try(app, actors, rp, 12)

    refused = attempt(stranger, actors, rp, password=PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert DELAYED.search(shown(refused))
    assert 880 <= int(refused.headers["Retry-After"]) <= 900
    assert signs_in(hers, actors, rp)
    assert not signs_in(app.test_client(), actors, rp)  # a new browser of hers waits too

    for _ in range(3):  # one wrong try each time the delay ends keeps strangers waiting
        strangers_try(app, actors, rp, 1)
        assert attempt(stranger, actors, rp, password=PASSWORD).status_code == 429
        assert signs_in(hers, actors, rp)


def test_her_browsers_own_failures_delay_that_browser_only(app, actors, rp):
    hers, other = app.test_client(), app.test_client()
    assert signs_in(hers, actors, rp) and signs_in(other, actors, rp)
    for _ in range(6):
        assert attempt(hers, actors, rp).status_code == 200
    assert attempt(hers, actors, rp, password=PASSWORD).status_code == 429
    assert signs_in(other, actors, rp)
    assert signs_in(app.test_client(), actors, rp)  # nor did they touch strangers' count


def test_a_cookie_of_another_account_or_a_forged_one_gives_nothing(app, actors, rp):
    bobs = app.test_client()
    assert signs_in(bobs, actors, rp, "bob.durand@chu-test.mssante.fr")
    strangers_try(app, actors, rp, 6)
    assert attempt(bobs, actors, rp, password=PASSWORD).status_code == 429
    forged = app.test_client()
    forged.set_cookie(COOKIE_NAME, bobs.get_cookie(COOKIE_NAME).value[:-3] + "AAA")
    assert attempt(forged, actors, rp, password=PASSWORD).status_code == 429
    forged.set_cookie(COOKIE_NAME, "not.a.cookie" * 300)
    assert attempt(forged, actors, rp, password=PASSWORD).status_code == 429


def test_an_unknown_address_reads_the_same_delay(app, actors, rp):
    pages = {}
    for address in (ALICE, NOBODY):
        stranger = strangers_try(app, actors, rp, 6, username=address)
        response = attempt(stranger, actors, rp, username=address, password=PASSWORD)
        pages[address] = (response.status_code, int(response.headers["Retry-After"]),
                          same_for_any_request(shown(response).replace(address, "ADDRESS")))
    (status, wait, text), (other_status, other_wait, other_text) = pages.values()
    assert status == other_status == 429
    assert abs(wait - other_wait) <= 2
    assert text == other_text


def same_for_any_request(page: str) -> str:
    """A page without what differs from one request to the next: the request's address, its
    CSRF token, and the minute (two delays a second apart may straddle one)."""
    page = re.sub(r"/interaction/[\w-]+", "/interaction/UID", page)
    page = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", page)
    return re.sub(r"\d\d h \d\d", "HH h MM", page)


def test_the_delay_says_until_when_in_paris_time_french_or_english(app, actors, rp):
    stranger = strangers_try(app, actors, rp, 6)
    with app.app_context():
        until = db.session.scalar(db.select(FailureCounter.blocked_until))
    # rounded up to the minute: 14:32:00.4 reads "14 h 33", 14:32:00.0 "14 h 32"
    paris = (until.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Paris"))
             + timedelta(seconds=59, microseconds=999999)).replace(second=0, microsecond=0)
    french = DELAYED.search(shown(attempt(stranger, actors, rp)))
    assert (int(french.group(1)), int(french.group(2))) == (paris.hour, paris.minute)
    english = shown(attempt(stranger, actors, rp, HTTP_ACCEPT_LANGUAGE="en"))
    noon = "AM" if paris.hour < 12 else "PM"
    clock = f"{paris.hour % 12 or 12}:{paris.minute:02d}\u202f?\\s?{noon}"
    assert re.search(r"Too many attempts for this account\. Try again at " + clock
                     + r" or reset your password\.", english)


def test_attempts_during_the_delay_change_nothing(app, actors, rp):
    stranger = strangers_try(app, actors, rp, 6)
    with app.app_context():
        until = db.session.scalar(db.select(FailureCounter.blocked_until))
    for _ in range(10):
        assert attempt(stranger, actors, rp).status_code == 429
    with app.app_context():
        assert db.session.scalar(db.select(FailureCounter.blocked_until)) == until
        assert db.session.scalar(db.select(FailureCounter.failures)) == 6
