"""Claims about a person (idp/oidc/claims.py): by scope, and by the ``claims`` request parameter."""

from __future__ import annotations

import json

import pytest
from authlib.oauth2.rfc6749 import InvalidRequestError

from idp.accounts.mailboxes import create_mailbox, grant_access
from idp.extensions import db
from idp.models import User
from idp.oidc.claims import (
    MAX_CLAIMS_PARAMETER,
    id_token_user_claims,
    parse_claims_parameter,
    requested_acr_values,
    user_claims,
    userinfo_claims,
)

ALICE = "alice.martin@chu-test.mssante.fr"
BOB = "bob.durand@chu-test.mssante.fr"


@pytest.fixture
def alice(actors, ctx) -> User:
    actors.user(phone="+33612345678")
    return db.session.scalar(db.select(User).where(User.email == ALICE))


@pytest.fixture
def bob(actors, ctx) -> User:
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org")
    return db.session.scalar(db.select(User).where(User.email == BOB))


# --- the claims parameter ---------------------------------------------------------------------

def test_an_absent_or_empty_claims_parameter_means_nothing_was_asked():
    assert parse_claims_parameter(None) is None
    assert parse_claims_parameter("") is None


def test_a_claims_parameter_is_read_into_its_userinfo_and_id_token_members():
    raw = json.dumps({"userinfo": {"email": None}, "id_token": {"acr": {"essential": True}}})
    assert parse_claims_parameter(raw) == {
        "userinfo": {"email": None},
        "id_token": {"acr": {"essential": True}},
    }


def test_a_missing_member_is_read_as_asking_nothing_there():
    assert parse_claims_parameter('{"userinfo": {"name": null}}') == {
        "userinfo": {"name": None},
        "id_token": {},
    }


def test_members_other_than_userinfo_and_id_token_are_ignored():
    assert parse_claims_parameter('{"verified_claims": {"x": null}}') == {
        "userinfo": {}, "id_token": {},
    }


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "42"])
def test_a_claims_parameter_that_is_not_a_json_object_is_an_invalid_request(raw):
    with pytest.raises(InvalidRequestError):
        parse_claims_parameter(raw)


@pytest.mark.parametrize("raw", [
    '{"userinfo": ["email"]}',
    '{"id_token": "acr"}',
    '{"userinfo": {"email": true}}',
    '{"id_token": {"acr": ["mfa"]}}',
])
def test_a_member_or_claim_request_of_the_wrong_shape_is_an_invalid_request(raw):
    with pytest.raises(InvalidRequestError):
        parse_claims_parameter(raw)


def test_a_claims_parameter_longer_than_the_limit_is_refused():
    padding = "x" * MAX_CLAIMS_PARAMETER
    with pytest.raises(InvalidRequestError):
        parse_claims_parameter(json.dumps({"userinfo": {padding: None}}))


# --- acr asked for through the claims parameter -----------------------------------------------

def test_essential_acr_values_are_the_acr_values_asked_for():
    claims = {"id_token": {"acr": {"essential": True, "values": ["mfa", "pwd"]}}}
    assert requested_acr_values(claims) == ["mfa", "pwd"]


def test_an_essential_single_acr_value_is_asked_for_too():
    assert requested_acr_values({"id_token": {"acr": {"essential": True, "value": "mfa"}}}) == [
        "mfa"
    ]


def test_voluntary_acr_values_are_not_a_requirement():
    assert requested_acr_values({"id_token": {"acr": {"values": ["mfa"]}}}) == []
    assert requested_acr_values({"id_token": {"acr": None}}) == []
    assert requested_acr_values({"userinfo": {"acr": {"essential": True, "value": "mfa"}}}) == []
    assert requested_acr_values(None) == []


def test_acr_values_that_are_not_strings_are_dropped():
    claims = {"id_token": {"acr": {"essential": True, "values": ["mfa", 3, None]}}}
    assert requested_acr_values(claims) == ["mfa"]


# --- values of claims -------------------------------------------------------------------------

def test_the_subject_is_always_given_and_is_the_opaque_subject_not_the_address(alice):
    assert user_claims(alice, set()) == {"sub": alice.subject}
    assert alice.subject != ALICE and "@" not in alice.subject


def test_the_profile_claims_come_from_the_persons_names(alice):
    names = {"name", "given_name", "family_name", "preferred_username"}
    assert user_claims(alice, names) == {
        "sub": alice.subject,
        "name": "Alice Martin",
        "given_name": "Alice",
        "family_name": "Martin",
        "preferred_username": ALICE,
    }


def test_only_the_claims_named_are_given(alice):
    assert user_claims(alice, {"given_name"}) == {"sub": alice.subject, "given_name": "Alice"}
    assert user_claims(alice, {"email"}) == {"sub": alice.subject, "email": ALICE}


def test_the_email_is_the_mssante_address_and_is_verified(alice):
    claims = user_claims(alice, {"email", "email_verified"})
    assert claims["email"] == ALICE
    assert claims["email_verified"] is True


def test_the_phone_number_is_given_only_to_a_person_who_has_one(alice, bob):
    assert user_claims(alice, {"phone_number", "phone_number_verified"}) == {
        "sub": alice.subject, "phone_number": "+33612345678", "phone_number_verified": True,
    }
    assert user_claims(bob, {"phone_number", "phone_number_verified"}) == {"sub": bob.subject}


def test_the_mailboxes_are_the_personal_box_first_then_those_granted(alice, bob):
    create_mailbox("urgences@chu-test.mssante.fr", "ORG", "Urgences")
    create_mailbox("accueil@chu-test.mssante.fr", "ORG", "Accueil")
    create_mailbox("labo@chu-test.mssante.fr", "APP", "Laboratoire")
    grant_access(alice, "urgences@chu-test.mssante.fr")
    grant_access(alice, "accueil@chu-test.mssante.fr")
    grant_access(bob, "labo@chu-test.mssante.fr")
    db.session.commit()
    assert user_claims(alice, {"mailboxes"})["mailboxes"] == [
        {"address": ALICE, "type": "PER", "name": "Alice Martin", "sensitive": False},
        {"address": "accueil@chu-test.mssante.fr", "type": "ORG", "name": "Accueil",
         "sensitive": False},
        {"address": "urgences@chu-test.mssante.fr", "type": "ORG", "name": "Urgences",
         "sensitive": False},
    ]


def test_unknown_claim_names_are_ignored(alice):
    assert user_claims(alice, {"notification_email", "password_hash", "role"}) == {
        "sub": alice.subject
    }


# --- userinfo and ID token --------------------------------------------------------------------

def test_userinfo_gives_the_claims_of_each_granted_scope(alice):
    claims = userinfo_claims(alice, "openid profile email phone mailboxes", None)
    assert set(claims) == {
        "sub", "name", "given_name", "family_name", "preferred_username", "email",
        "email_verified", "phone_number", "phone_number_verified", "mailboxes",
    }


def test_userinfo_gives_only_the_subject_for_openid_alone(alice):
    assert userinfo_claims(alice, "openid", None) == {"sub": alice.subject}
    assert userinfo_claims(alice, "", None) == {"sub": alice.subject}


def test_userinfo_ignores_scopes_that_carry_no_claims(alice):
    assert userinfo_claims(alice, "openid offline_access unknown", None) == {"sub": alice.subject}


def test_userinfo_adds_the_claims_asked_for_in_the_userinfo_member(alice):
    claims = userinfo_claims(alice, "openid email", {"userinfo": {"family_name": None}})
    assert claims == {
        "sub": alice.subject, "email": ALICE, "email_verified": True, "family_name": "Martin",
    }


def test_userinfo_ignores_claims_asked_for_the_id_token_only(alice):
    claims = userinfo_claims(alice, "openid", {"id_token": {"email": None}, "userinfo": {}})
    assert claims == {"sub": alice.subject}


def test_userinfo_does_not_give_unknown_claims_asked_in_the_claims_parameter(alice):
    claims = userinfo_claims(alice, "openid", {"userinfo": {"notification_email": None}})
    assert claims == {"sub": alice.subject}


def test_the_id_token_carries_only_the_subject_unless_claims_are_asked(alice):
    assert id_token_user_claims(alice, None) == {"sub": alice.subject}
    assert id_token_user_claims(alice, {"userinfo": {"email": None}}) == {"sub": alice.subject}


def test_the_id_token_carries_the_claims_asked_in_the_id_token_member(alice):
    claims = id_token_user_claims(alice, {"id_token": {"email": {"essential": True},
                                                       "acr": None, "nonce": None}})
    assert claims == {"sub": alice.subject, "email": ALICE}
