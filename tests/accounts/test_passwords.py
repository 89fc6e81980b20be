"""Passwords: argon2id, a dummy hash for unknown accounts, rehash on new parameters, and one
generic, audited failure whatever went wrong."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from idp.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from idp.accounts.users import check_password, create_user
from idp.extensions import db
from idp.models import AuditEvent, User, UserStatus

from ..helpers import PASSWORD

EMAIL = "alice.martin@chu-test.mssante.fr"
LOGIN_FAILED = "Identifiant ou mot de passe incorrect."


@pytest.fixture
def alice(ctx) -> User:
    return create_user(EMAIL, "Alice Martin", "alice@example.org", password=PASSWORD)


@pytest.fixture
def argon2_verifications(monkeypatch) -> list[str]:
    """The hashes argon2 is asked to verify (argon2 still does the work)."""
    seen: list[str] = []
    original = PasswordHasher.verify

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        seen.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return seen


def params_of(stored_hash: str) -> str:
    return re.match(r"\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$", stored_hash).group(1)


def failures() -> list[AuditEvent]:
    return db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "login.password_failed")
        .order_by(AuditEvent.id)
    ).all()


def test_passwords_are_hashed_with_argon2id_and_the_configured_parameters(app, ctx):
    stored = hash_password(PASSWORD)

    assert stored.startswith("$argon2id$")
    config = app.config
    assert params_of(stored) == (f"m={config['PASSWORD_HASH_MEMORY_KIB']},"
                                 f"t={config['PASSWORD_HASH_TIME_COST']},"
                                 f"p={config['PASSWORD_HASH_PARALLELISM']}")


def test_the_same_password_hashes_differently_each_time(ctx):
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_the_stored_hash_of_a_new_account_is_argon2id(alice):
    assert alice.password_hash.startswith("$argon2id$")
    assert PASSWORD not in alice.password_hash
    assert alice.password_changed_at is not None


def test_verify_password_accepts_the_right_password_only(ctx):
    stored = hash_password(PASSWORD)

    assert verify_password(stored, PASSWORD) is True
    assert verify_password(stored, PASSWORD.upper()) is False
    assert verify_password(stored, "") is False


def test_an_unknown_account_still_costs_one_argon2_verification(ctx, argon2_verifications):
    assert verify_password(None, PASSWORD) is False

    [checked] = argon2_verifications
    assert checked.startswith("$argon2id$")
    assert params_of(checked) == params_of(hash_password(PASSWORD))


def test_the_dummy_password_itself_opens_no_account(ctx):
    assert verify_password(None, "dummy password for unknown accounts") is False


def test_a_sign_in_with_an_unknown_identifier_runs_the_dummy_hash(ctx, argon2_verifications):
    assert check_password("nobody@chu-test.mssante.fr", PASSWORD) is None

    assert len(argon2_verifications) == 1


def test_a_corrupt_stored_hash_is_a_failure_not_an_error(ctx):
    assert verify_password("not-a-hash", PASSWORD) is False


def test_an_over_long_password_is_refused_before_hashing(ctx, argon2_verifications):
    stored = hash_password(PASSWORD)

    assert verify_password(stored, "x" * (MAX_PASSWORD_LENGTH + 1)) is False
    assert argon2_verifications == []


def test_a_hash_made_with_other_parameters_needs_a_rehash(ctx):
    weaker = PasswordHasher(memory_cost=512, time_cost=1, parallelism=1).hash(PASSWORD)

    assert needs_rehash(weaker) is True
    assert needs_rehash(hash_password(PASSWORD)) is False


def test_an_old_hash_is_replaced_at_the_next_successful_sign_in(alice):
    old = PasswordHasher(memory_cost=512, time_cost=2, parallelism=1).hash(PASSWORD)
    alice.password_hash = old
    db.session.commit()

    assert check_password(EMAIL, PASSWORD).id == alice.id

    stored = db.session.get(User, alice.id).password_hash
    assert stored != old
    assert not needs_rehash(stored)
    assert verify_password(stored, PASSWORD)


def test_an_old_hash_is_kept_after_a_failed_sign_in(alice):
    old = PasswordHasher(memory_cost=512, time_cost=2, parallelism=1).hash(PASSWORD)
    alice.password_hash = old
    db.session.commit()

    assert check_password(EMAIL, "wrong password!") is None

    assert db.session.get(User, alice.id).password_hash == old


def test_a_current_hash_is_not_rewritten_at_sign_in(alice):
    current = alice.password_hash

    check_password(EMAIL, PASSWORD)

    assert db.session.get(User, alice.id).password_hash == current


def test_the_identifier_is_not_case_sensitive_at_sign_in(alice):
    assert check_password("  " + EMAIL.upper(), PASSWORD).id == alice.id


def test_a_successful_sign_in_is_audited(alice):
    check_password(EMAIL, PASSWORD)

    [event] = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "login.password_ok")).all()
    assert event.user_id == alice.id


def test_unknown_account_bad_password_and_disabled_account_fail_alike_and_are_audited(alice):
    assert check_password("nobody@chu-test.mssante.fr", PASSWORD) is None
    assert check_password(EMAIL, "wrong password!") is None
    alice.status = UserStatus.DISABLED.value
    db.session.commit()
    assert check_password(EMAIL, PASSWORD) is None

    recorded = [(e.user_id, e.detail["reason"]) for e in failures()]
    assert recorded == [(None, "unknown_user"), (alice.id, "bad_password"),
                        (alice.id, "disabled")]


def test_an_account_without_a_password_cannot_sign_in(ctx):
    create_user(EMAIL, "Alice Martin", "alice@example.org")

    assert check_password(EMAIL, "") is None
    assert check_password(EMAIL, "dummy password for unknown accounts") is None
    assert len(failures()) == 2


def alert_of(html: str) -> str | None:
    match = re.search(r'role="alert">([^<]*)<', html)
    return match.group(1) if match else None


def test_the_sign_in_page_says_the_same_thing_for_every_failure(app, client, actors):
    actors.user()
    rp = actors.rp()
    with app.app_context():
        disabled = create_user("bob.durand@chu-test.mssante.fr", "Bob Durand", "bob@example.org",
                               password=PASSWORD)
        disabled.status = UserStatus.DISABLED.value
        db.session.commit()
        db.session.remove()
    attempts = [("nobody@chu-test.mssante.fr", PASSWORD), (EMAIL, "wrong password!"),
                ("bob.durand@chu-test.mssante.fr", PASSWORD)]

    alerts = []
    for username, password in attempts:
        start = client.get("/authorize", query_string=actors.auth_params(rp))
        page = actors.login(client, start, username=username, password=password)
        assert page.status_code == 200
        alerts.append(alert_of(page.text))

    assert alerts == [LOGIN_FAILED] * 3
    with app.app_context():
        reasons = [e.detail["reason"] for e in failures()]
        db.session.commit()
        db.session.remove()
    assert reasons == ["unknown_user", "bad_password", "disabled"]
