"""Recovery codes: ten, shown once, stored hashed, each usable once, replaced as a set."""

from __future__ import annotations

import re

import pytest

from idp.extensions import db
from idp.factors import recovery
from idp.models import AuditEvent, RecoveryCode, User


@pytest.fixture
def alice(actors, ctx):
    actors.user()
    return db.session.scalar(db.select(User))


def test_ten_codes_in_the_format_of_the_page_stored_only_hashed(alice):
    codes = recovery.generate(alice)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes)
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in digest or code in digest
                   for code in codes for digest in stored)
    assert db.session.scalar(db.select(AuditEvent.detail).where(
        AuditEvent.event == "recovery_codes.generated")) == {"count": 10}


def test_each_code_works_once(alice):
    codes = recovery.generate(alice)
    assert recovery.use(alice, codes[3])
    assert not recovery.use(alice, codes[3])
    assert recovery.remaining(alice) == 9


def test_case_spaces_and_dash_do_not_matter(alice):
    code = recovery.generate(alice)[0]
    assert recovery.use(alice, "  " + code.upper().replace("-", " ") + " ")


@pytest.mark.parametrize("typed", ["", "abcd-efgh", "0000-0000", "x" * 200])
def test_anything_else_is_refused(alice, typed):
    recovery.generate(alice)
    assert not recovery.use(alice, typed)
    assert recovery.remaining(alice) == 10


def test_a_new_set_replaces_the_old_one(alice):
    old = recovery.generate(alice)
    new = recovery.generate(alice)
    assert not recovery.use(alice, old[0])
    assert recovery.use(alice, new[0])
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 10


def test_one_persons_code_does_not_open_another_account(actors, alice):
    actors.user("bob.durand@chu-test.mssante.fr", name="Bob Durand",
                notification_email="bob@example.org")
    bob = db.session.scalar(db.select(User).where(User.email.startswith("bob")))
    code = recovery.generate(alice)[0]
    assert not recovery.use(bob, code)
    assert recovery.use(alice, code)
