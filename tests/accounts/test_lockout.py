"""Growing delays after repeated failures: passwords and codes counted apart, never permanent,
never lengthened by the attempts made during a delay; strangers' failures counted apart from
those of a browser that signed in to the address before; an unknown address delayed exactly
as a known one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from idp.accounts import lockout
from idp.accounts.users import check_password, find_user
from idp.extensions import db
from idp.models import AuditEvent, FailureCounter
from idp.models.base import utcnow

from ..concurrency import carrying_session_of, race
from ..helpers import PASSWORD
from ..interaction.second_factor_journey import password_step, shown, start

ALICE = "alice.martin@chu-test.mssante.fr"
NOBODY = "personne@chu-test.mssante.fr"
WRONG = "wrong password!"
RACERS = 20


@pytest.fixture
def alice(actors, ctx):
    actors.user()
    return find_user(ALICE)


def fail(allowance, times):
    for _ in range(times):
        lockout.record_failure(allowance)
    db.session.commit()


def strangers(user):
    return lockout.password_allowance(ALICE, user.id)


def delayed_until(address, password=WRONG, device=None):
    """The end of the delay check_password reports, or None when it answered."""
    try:
        check_password(address, password, device=device)
    except lockout.SignInDelayed as delayed:
        return delayed.until
    return None


def age_the_delays():
    """As if every delay had ended."""
    db.session.execute(db.update(FailureCounter).values(blocked_until=utcnow() - timedelta(1)))
    db.session.commit()


def strangers_try(times):
    """``times`` wrong passwords for Alice's address from strangers, each after the delay
    before it ended."""
    for _ in range(times):
        age_the_delays()
        assert check_password(ALICE, WRONG) is None


def test_the_first_failures_cost_nothing(alice):
    fail(strangers(alice), 5)
    assert lockout.seconds_blocked(strangers(alice)) == 0


def test_further_failures_block_for_a_doubling_delay_with_a_ceiling(alice):
    fail(strangers(alice), 6)
    assert 29 <= lockout.seconds_blocked(strangers(alice)) <= 30
    fail(strangers(alice), 1)
    assert 59 <= lockout.seconds_blocked(strangers(alice)) <= 60
    fail(strangers(alice), 30)
    assert 899 <= lockout.seconds_blocked(strangers(alice)) <= 900


def test_password_and_code_failures_are_counted_apart(alice):
    fail(lockout.code_allowance(alice.id), 10)
    assert lockout.seconds_blocked(lockout.code_allowance(alice.id)) > 0
    assert lockout.seconds_blocked(strangers(alice)) == 0
    assert check_password(ALICE, PASSWORD) is not None


def test_a_blocked_password_step_refuses_even_the_right_password_then_frees_itself(alice):
    for _ in range(6):
        assert check_password(ALICE, WRONG) is None
    until = delayed_until(ALICE, PASSWORD)
    assert until is not None and 29 <= (until - utcnow()).total_seconds() <= 30
    age_the_delays()
    assert check_password(ALICE, PASSWORD) is not None
    assert db.session.scalar(db.select(db.func.count(FailureCounter.id))) == 0  # reset


def test_attempts_during_a_delay_do_not_lengthen_it(alice):
    for _ in range(6):
        check_password(ALICE, WRONG)
    until = lockout.blocked_until(strangers(alice))
    for _ in range(20):
        assert delayed_until(ALICE) == until
    assert lockout.blocked_until(strangers(alice)) == until
    assert db.session.scalar(db.select(FailureCounter.failures)) == 6


def test_an_unknown_address_is_delayed_exactly_as_a_known_one(alice):
    answers = {}
    for address in (ALICE, NOBODY):
        answers[address] = [check_password(address, WRONG) for _ in range(6)]
        answers[address].append((delayed_until(address) - utcnow()).total_seconds() // 1)
    assert answers[ALICE] == answers[NOBODY] == [None] * 6 + [29]
    stored = db.session.scalars(db.select(FailureCounter.key)).all()
    assert len(stored) == 2 and not any("@" in key for key in stored)  # digests, not addresses


def test_a_browser_that_signed_in_before_keeps_its_own_allowance(alice):
    strangers_try(12)  # strangers now wait 15 minutes, the owner too on a new browser
    assert 899 <= lockout.seconds_blocked(strangers(alice)) <= 900
    assert delayed_until(ALICE, PASSWORD) is not None
    assert check_password(ALICE, PASSWORD, device="alices-browser") is not None
    for _ in range(6):  # that browser's own failures delay that browser only
        assert check_password(ALICE, WRONG, device="alices-browser") is None
    assert delayed_until(ALICE, PASSWORD, device="alices-browser") is not None
    assert check_password(ALICE, PASSWORD, device="alices-other-browser") is not None


def test_one_wrong_try_at_each_delays_end_never_holds_the_owners_browser(alice):
    strangers_try(12)
    for _ in range(5):  # each time the delay ends, one more wrong try: strangers wait again
        strangers_try(1)
        assert delayed_until(ALICE, PASSWORD) is not None
        assert check_password(ALICE, PASSWORD, device="alices-browser") is not None
    assert 899 <= lockout.seconds_blocked(strangers(alice)) <= 900  # capped, never permanent


def test_failures_are_forgotten_after_a_long_quiet(alice, app):
    fail(strangers(alice), 5)
    quiet = timedelta(seconds=app.config["LOCKOUT_FORGET_AFTER_SECONDS"] + 1)
    db.session.execute(db.update(FailureCounter).values(last_failure_at=utcnow() - quiet))
    db.session.commit()
    fail(strangers(alice), 1)  # the sixth failure, but the first of a new day
    assert lockout.seconds_blocked(strangers(alice)) == 0
    assert db.session.scalar(db.select(FailureCounter.failures)) == 1


def test_counts_of_old_quiet_addresses_are_dropped(alice, app):
    fail(lockout.password_allowance(NOBODY, None), 1)
    quiet = timedelta(seconds=app.config["LOCKOUT_FORGET_AFTER_SECONDS"] + 1)
    db.session.execute(db.update(FailureCounter).values(last_failure_at=utcnow() - quiet))
    db.session.commit()
    fail(strangers(alice), 1)  # a new count clears out the forgotten ones
    assert db.session.scalars(db.select(FailureCounter.key)).all() == [strangers(alice).key]


def test_concurrent_failures_are_all_counted(app, alice):
    allowance = strangers(alice)

    def one_failure(_):
        with app.app_context():
            lockout.record_failure(allowance)
            db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one_failure, range(20)))
    db.session.remove()
    assert db.session.scalar(db.select(FailureCounter.failures)) == 20
    assert lockout.seconds_blocked(allowance) > 0


def test_a_blocked_person_is_audited(alice):
    fail(strangers(alice), 6)
    delayed_until(ALICE, PASSWORD)
    reasons = db.session.scalars(db.select(AuditEvent.detail).where(
        AuditEvent.event == "login.password_failed"))
    assert {"reason": "blocked", "known_device": False} in list(reasons)


def test_wrong_passwords_typed_at_the_same_moment_are_each_counted(app, client, actors):
    """An attacker firing in parallel: no checked password goes uncounted, none ends in an
    error, and the delay is the one of the last count."""
    actors.user()
    page, _ = start(client, actors, actors.rp())

    answers = race(app, lambda tab: password_step(tab, page, password="not the password"),
                   RACERS, prepare=carrying_session_of(client))

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 429}  # refused, or told to wait once the delay began
    checked = statuses.count(200)
    assert all("Identifiant ou mot de passe incorrect." in shown(a)
               for a in answers if a.status_code == 200)
    with app.app_context():
        assert db.session.scalar(db.select(FailureCounter.failures)) == checked
        expected = min(30 * 2 ** (checked - 6), 900)
        allowance = lockout.password_allowance(ALICE, find_user(ALICE).id)
        assert expected - 2 <= lockout.seconds_blocked(allowance) <= expected
        db.session.remove()


def test_a_success_forgets_the_failures_it_read_and_none_counted_after(alice):
    seen_empty = lockout.read(strangers(alice))
    fail(strangers(alice), 2)  # another request's failures, after the success read the count
    lockout.reset(seen_empty)
    db.session.commit()
    assert db.session.scalar(db.select(FailureCounter.failures)) == 2
    lockout.reset(lockout.read(strangers(alice)))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(FailureCounter.id))) == 0
