"""The password policy: long enough, not breached, not built on the identifier; the same rules
when an account is created with a password."""

from __future__ import annotations

import pytest

from idp.accounts.password_policy import PasswordRefused, breached_passwords, password_problems
from idp.accounts.users import create_user
from idp.extensions import db
from idp.models import User

ALICE = "alice.martin@chu-test.mssante.fr"
GOOD = "Trois chats dorment sous la glycine"


def test_a_long_uncommon_password_passes(ctx):
    assert password_problems(GOOD, ALICE) == []


def test_a_short_password_is_refused_with_the_minimum_length(ctx):
    assert password_problems("Court-2026!", ALICE) == [
        "Le mot de passe doit contenir au moins 12 caractères."]


def test_a_password_longer_than_1024_characters_is_refused(ctx):
    assert password_problems("x" * 1025, ALICE) == [
        "Le mot de passe est trop long (1024 caractères au plus)."]


@pytest.mark.parametrize("password", ["azertyuiop123", "AzertyUIOP123", "MotDePasse2024",
                                      "1q2w3e4r5t6y", "jetaimesoleil"])
def test_a_breached_password_is_refused_whatever_its_case(ctx, password):
    [reason] = password_problems(password, ALICE)
    assert "liste de mots de passe divulgués" in reason


@pytest.mark.parametrize("password", ["Alice.Martin-secret", "mon alice.martin à moi",
                                      "x-ALICE.MARTIN@CHU-TEST.MSSANTE.FR"])
def test_a_password_containing_the_identifier_is_refused(ctx, password):
    assert password_problems(password, ALICE) == [
        "Le mot de passe ne doit pas contenir votre identifiant."]


def test_every_broken_rule_is_given(ctx):
    problems = password_problems("JetaimeMarseille", "jetaime@x.mssante.fr")
    assert len(problems) == 2
    assert "divulgués" in problems[0] and "identifiant" in problems[1]


def test_the_shipped_list_holds_thousands_of_lower_cased_long_passwords(ctx):
    breached = breached_passwords()
    assert len(breached) > 3000
    assert all(entry == entry.lower() and len(entry) >= 12 for entry in breached)
    assert {"motdepasse123", "azertyuiop123", "123456789012"} <= breached


def test_creating_an_account_with_a_breached_password_is_refused_and_writes_nothing(ctx):
    with pytest.raises(PasswordRefused) as refused:
        create_user(ALICE, "Alice Martin", "alice@example.org", password="Azertyuiop123")
    assert "divulgués" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_creating_an_account_with_a_good_password_works(ctx):
    user = create_user(ALICE, "Alice Martin", "alice@example.org", password=GOOD)
    assert user.password_hash.startswith("$argon2id$")
