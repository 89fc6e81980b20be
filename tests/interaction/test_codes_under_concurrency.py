"""The right code typed 20 times at the same moment (a person clicking « Ok » again and again,
or a script replaying the form) signs in once: one request takes the challenge, the others are
told the code is no longer valid. E-mail and SMS share the mechanism; both are raced, on SQLite
and on PostgreSQL (``tests.concurrency``)."""

from __future__ import annotations

from collections import Counter

import pytest

from idp.extensions import db
from idp.models import OtpChallenge

from ..concurrency import carrying_session_of, race
from ..helpers import audit_events, csrf_token, live_sessions
from .second_factor_journey import (
    ALICE_PHONE,
    code_page,
    latest_code,
    password_step,
    shown,
    start,
)

RACERS = 20
#: A refused replay counts as a failed code, so past LOCKOUT_FREE_FAILURES the lockout answers.
REFUSALS = ("Ce code n'est plus valable. Demandez un nouveau code.", "Trop de codes erronés.")


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_right_code_submitted_20_times_at_once_signs_in_once(app, client, actors,
                                                                   mail_catcher, channel):
    actors.user(phone=ALICE_PHONE)
    rp = actors.rp(min_acr="mfa")
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page, channel))
    form = {"code": latest_code(mail_catcher, channel), "csrf_token": csrf_token(screen.text)}

    responses = race(app, lambda tab: tab.post(screen.request.path, data=form), RACERS,
                     prepare=carrying_session_of(client))

    assert Counter(r.status_code for r in responses) == {302: 1, 200: RACERS - 1}
    [signed_in] = [r for r in responses if r.status_code == 302]
    for refused in (r for r in responses if r.status_code == 200):
        assert any(message in shown(refused) for message in REFUSALS), shown(refused)
    assert len(audit_events(app, "login.code_ok")) == 1
    assert live_sessions(app) == 1
    with app.app_context():
        assert db.session.scalar(db.select(OtpChallenge.end_reason)) == "used"
    assert signed_in.headers["Location"].startswith("/authorize/resume/")  # back to the client
