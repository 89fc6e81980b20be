"""Signing in with a recovery code when the phone is lost: after the password, from the factor
choice, once per code, at level mfa."""

from __future__ import annotations

import re

import pytest

from idp.extensions import db
from idp.factors import recovery
from idp.models import AuditEvent, RecoveryCode, User

from ..helpers import csrf_token
from .second_factor_journey import (
    ALICE,
    code_page,
    finish,
    id_token_of,
    password_step,
    post_form,
    shown,
    start,
)


@pytest.fixture
def codes(app, actors):
    """Alice's recovery codes, generated from her account page earlier."""
    actors.user()
    with app.app_context():
        generated = recovery.generate(db.session.scalar(db.select(User)))
        db.session.commit()
        db.session.remove()
        return generated


@pytest.fixture
def rp(actors):
    return actors.rp(min_acr="mfa")


def recovery_page(browser, actors, rp):
    """Password, then "Choisir un autre moyen", then "Utiliser un code de secours"."""
    page, verifier = start(browser, actors, rp)
    screen = code_page(browser, password_step(browser, page))
    choice = browser.get(re.search(r'href="([^"]*/factor)"', screen.text).group(1))
    assert "Utiliser un code de secours" in shown(choice)
    link = re.search(r'href="([^"]*/recovery)"', choice.text).group(1)
    return browser.get(link), verifier


def test_a_recovery_code_signs_in_at_level_mfa(client, actors, rp, codes, mail_catcher):
    page, verifier = recovery_page(client, actors, rp)
    assert page.status_code == 200 and "Code de secours" in shown(page)
    query = finish(client, post_form(client, page, "/recovery", code=codes[0].upper()), rp)
    claims = id_token_of(client, actors, rp, query, verifier)
    assert (claims["acr"], claims["amr"]) == ("mfa", ["pwd", "mfa"])
    with client.application.app_context():
        used = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.event == "login.code_ok"))
        assert used.detail == {"factor": "recovery", "remaining": 9}
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.used_at.is_not(None))) == 1


def test_each_recovery_code_works_once(app, client, actors, rp, codes, mail_catcher):
    page, _ = recovery_page(client, actors, rp)
    finish(client, post_form(client, page, "/recovery", code=codes[0]), rp)
    browser = app.test_client()
    page, _ = recovery_page(browser, actors, rp)
    refused = post_form(browser, page, "/recovery", code=codes[0])
    assert refused.status_code == 200
    assert "Code de secours incorrect ou déjà utilisé." in shown(refused)
    finish(browser, post_form(browser, refused, "/recovery", code=codes[1]), rp)


def test_a_wrong_code_counts_against_the_code_lockout(client, actors, rp, codes, mail_catcher):
    page, _ = recovery_page(client, actors, rp)
    for _ in range(6):  # five free failures, then a delay
        page = post_form(client, page, "/recovery", code="zzzz-zzzz")
        assert "Code de secours incorrect" in shown(page)
    blocked = post_form(client, page, "/recovery", code=codes[0])
    assert "Trop de codes erronés. Réessayez dans" in shown(blocked)  # even the right code waits
    with client.application.app_context():
        assert db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.used_at.is_(None))) == 10


def test_the_recovery_screen_cannot_be_reached_without_the_password(app, client, actors, rp,
                                                                     codes):
    page, _ = start(client, actors, rp)
    uid = re.search(r'action="/interaction/([^/"]+)/login"', page.text).group(1)
    assert client.get(f"/interaction/{uid}/recovery").status_code == 400
    refused = client.post(f"/interaction/{uid}/recovery",
                          data={"csrf_token": csrf_token(page.text), "code": codes[0]})
    assert refused.status_code == 400
    with app.app_context():
        assert recovery.remaining(db.session.scalar(db.select(User))) == 10


def test_the_recovery_form_needs_its_csrf_token(client, actors, rp, codes, mail_catcher):
    page, _ = recovery_page(client, actors, rp)
    action = re.search(r'action="([^"]*/recovery)"', page.text).group(1)
    refused = client.post(action, data={"code": codes[0]})
    assert refused.status_code == 400
    with client.application.app_context():
        assert recovery.remaining(db.session.scalar(db.select(User).where(
            User.email == ALICE))) == 10
