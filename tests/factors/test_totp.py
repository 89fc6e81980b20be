"""Google Authenticator codes: one step of drift, each code once, a clearer word for a phone
whose clock is off at enrolment only, and a secret that the database alone does not reveal."""

from __future__ import annotations

import time

import pyotp
import pytest

from idp.extensions import db
from idp.factors import secrets_at_rest, totp
from idp.models import AuditEvent, TotpCredential, User

STEP = totp.INTERVAL_SECONDS
# An instant 10 s into a step, an hour after the confirmation (whose step is then long past).
NOW = (time.time() // STEP + 120) * STEP + 10


@pytest.fixture
def alice(actors, ctx):
    actors.user()
    return db.session.scalar(db.select(User))


@pytest.fixture
def enrolled(alice):
    """Alice's confirmed authenticator, and the app that holds its secret."""
    credential = totp.start_enrolment(alice)
    app = pyotp.TOTP(secrets_at_rest.decrypt(credential.encrypted_secret))
    assert totp.confirm(alice, app.now()).ok
    return credential, app


def test_the_code_of_now_is_accepted(enrolled):
    credential, app = enrolled
    assert totp.check_code(credential, app.at(NOW), now=NOW).ok


@pytest.mark.parametrize("steps", [-1, 1])
def test_one_step_of_drift_either_way_is_accepted(enrolled, steps):
    credential, app = enrolled
    assert totp.check_code(credential, app.at(NOW + steps * STEP), now=NOW).ok


@pytest.mark.parametrize("steps", [-2, 2, 20])
def test_at_sign_in_a_code_for_another_time_is_simply_wrong(enrolled, steps):
    """Nothing tells a guesser that a code is right for another time: it would work then."""
    credential, app = enrolled
    verdict = totp.check_code(credential, app.at(NOW + steps * STEP), now=NOW)
    assert (verdict.ok, verdict.reason) == (False, "wrong")
    assert "horloge" not in totp.Authenticator.refusal(verdict)


@pytest.mark.parametrize("steps", [-3, 3])
def test_at_enrolment_a_code_for_another_time_points_at_the_phone_clock(alice, steps):
    """The person enrolling sees the secret already: the clearer message gives nothing away."""
    credential = totp.start_enrolment(alice)
    app = pyotp.TOTP(secrets_at_rest.decrypt(credential.encrypted_secret))
    verdict = totp.confirm(alice, app.at(time.time() + steps * STEP))
    assert (verdict.ok, verdict.reason) == (False, "clock_off")
    assert "l'horloge de votre téléphone semble décalée" in totp.Authenticator.refusal(verdict)
    assert db.session.get(TotpCredential, credential.id).confirmed_at is None


def test_a_code_from_another_hour_is_simply_wrong(enrolled):
    credential, app = enrolled
    verdict = totp.check_code(credential, app.at(NOW - 3600), now=NOW)
    assert (verdict.ok, verdict.reason) == (False, "wrong")
    assert totp.Authenticator.refusal(verdict).startswith("Code incorrect.")


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６"])
def test_malformed_codes_are_wrong(enrolled, typed):
    credential, _app = enrolled
    assert totp.check_code(credential, typed, now=NOW).reason == "wrong"


def test_a_code_is_accepted_once(enrolled):
    credential, app = enrolled
    code = app.at(NOW)
    assert totp.check_code(credential, code, now=NOW).ok
    assert totp.check_code(credential, code, now=NOW).reason == "replayed"


def test_an_older_step_after_a_newer_one_is_refused(enrolled):
    credential, app = enrolled
    assert totp.check_code(credential, app.at(NOW + STEP), now=NOW).ok
    assert totp.check_code(credential, app.at(NOW), now=NOW).reason == "replayed"
    assert db.session.scalar(db.select(TotpCredential.last_step)) == int(NOW // STEP) + 1


def test_the_factor_verifies_without_a_challenge(alice, enrolled):
    _credential, app = enrolled
    factor = totp.Authenticator()
    assert factor.begin(alice) is None
    code = app.at(time.time() + STEP)  # the next step: the confirmation used the current one
    assert factor.verify(alice, None, code).ok
    assert factor.verify(alice, None, code).reason == "replayed"


def test_the_factor_is_available_only_once_confirmed(alice):
    factor = totp.Authenticator()
    assert not factor.available(alice)
    assert "activez-le depuis votre espace personnel" in factor.missing_help(alice)
    credential = totp.start_enrolment(alice)
    assert not factor.available(alice)  # a secret waiting for its first code signs nobody in
    assert factor.verify(alice, None, pyotp.TOTP(
        secrets_at_rest.decrypt(credential.encrypted_secret)).now()).reason == "unavailable"
    app = pyotp.TOTP(secrets_at_rest.decrypt(credential.encrypted_secret))
    assert totp.confirm(alice, app.now()).ok
    assert factor.available(alice)
    assert db.session.scalar(db.select(AuditEvent.event).where(
        AuditEvent.event == "totp.enabled")) == "totp.enabled"


def test_the_confirmation_needs_the_right_code(alice):
    credential = totp.start_enrolment(alice)
    app = pyotp.TOTP(secrets_at_rest.decrypt(credential.encrypted_secret))
    wrong = "000000" if app.now() != "000000" else "111111"
    assert totp.confirm(alice, wrong).reason == "wrong"
    assert db.session.get(TotpCredential, credential.id).confirmed_at is None


def test_the_secret_is_stored_encrypted(alice):
    credential = totp.start_enrolment(alice)
    secret = secrets_at_rest.decrypt(credential.encrypted_secret)
    assert len(secret) == 32 and secret not in credential.encrypted_secret
    assert totp.start_enrolment(alice).id == credential.id  # the same secret until confirmed


def test_a_secret_unreadable_after_a_key_change_is_refused_not_crashed(app, enrolled):
    credential, app_on_phone = enrolled
    key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key"
    try:
        verdict = totp.check_code(credential, app_on_phone.at(NOW), now=NOW)
    finally:
        app.config["SECRET_KEY"] = key
    assert verdict.reason == "unavailable"


def test_removal_takes_the_authenticator_away(alice, enrolled):
    assert totp.remove(alice)
    assert not totp.Authenticator().available(alice)
    assert db.session.scalar(db.select(TotpCredential)) is None
    assert not totp.remove(alice)
    events = db.session.scalars(db.select(AuditEvent.event).where(
        AuditEvent.event == "totp.removed")).all()
    assert events == ["totp.removed"]
