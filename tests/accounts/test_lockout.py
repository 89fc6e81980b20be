"""Growing delays after repeated failures: passwords and codes counted apart, never permanent."""

from __future__ import annotations

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
RACERS = 20


@pytest.fixture
def alice(actors, ctx):
    actors.user()
    return find_user(ALICE)


def fail(user_id, kind, times):
    for _ in range(times):
        lockout.record_failure(user_id, kind)
    db.session.commit()


def test_the_first_failures_cost_nothing(alice):
    fail(alice.id, lockout.PASSWORD, 5)
    assert lockout.seconds_blocked(alice.id, lockout.PASSWORD) == 0


def test_further_failures_block_for_a_doubling_delay_with_a_ceiling(alice):
    fail(alice.id, lockout.PASSWORD, 6)
    assert 29 <= lockout.seconds_blocked(alice.id, lockout.PASSWORD) <= 30
    fail(alice.id, lockout.PASSWORD, 1)
    assert 59 <= lockout.seconds_blocked(alice.id, lockout.PASSWORD) <= 60
    fail(alice.id, lockout.PASSWORD, 30)
    assert 899 <= lockout.seconds_blocked(alice.id, lockout.PASSWORD) <= 900


def test_password_and_code_failures_are_counted_apart(alice):
    fail(alice.id, lockout.CODE, 10)
    assert lockout.seconds_blocked(alice.id, lockout.CODE) > 0
    assert lockout.seconds_blocked(alice.id, lockout.PASSWORD) == 0
    assert check_password(ALICE, PASSWORD) is not None


def test_a_blocked_password_step_refuses_even_the_right_password_then_frees_itself(alice):
    for _ in range(6):
        assert check_password(ALICE, "wrong password!") is None
    assert check_password(ALICE, PASSWORD) is None  # blocked: same answer as a wrong password
    db.session.execute(db.update(FailureCounter).values(blocked_until=utcnow() - timedelta(1)))
    db.session.commit()
    assert check_password(ALICE, PASSWORD) is not None
    assert db.session.scalar(db.select(FailureCounter.failures)) == 0  # a success resets


def test_a_blocked_person_is_audited(alice):
    fail(alice.id, lockout.PASSWORD, 6)
    check_password(ALICE, PASSWORD)
    reasons = db.session.scalars(db.select(AuditEvent.detail).where(
        AuditEvent.event == "login.password_failed"))
    assert {"reason": "blocked"} in list(reasons)


def test_wrong_passwords_typed_at_the_same_moment_are_each_counted(app, client, actors):
    """An attacker firing in parallel: no failure is lost, none ends in an error, and the
    delay is the one of the last count."""
    actors.user()
    page, _ = start(client, actors, actors.rp())

    answers = race(app, lambda tab: password_step(tab, page, password="not the password"),
                   RACERS, prepare=carrying_session_of(client))

    assert [a.status_code for a in answers] == [200] * RACERS
    assert all("Identifiant ou mot de passe incorrect." in shown(a) for a in answers)
    with app.app_context():
        assert db.session.scalar(db.select(FailureCounter.failures)) == RACERS
        user_id = find_user(ALICE).id
        assert 899 <= lockout.seconds_blocked(user_id, lockout.PASSWORD) <= 900
        db.session.remove()
