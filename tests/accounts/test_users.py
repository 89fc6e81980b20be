"""Account creation and the notification email: what is checked, normalised and created."""

from __future__ import annotations

import pytest

from idp.accounts.mailboxes import create_mailbox, mailboxes_for
from idp.accounts.organisations import create_organisation
from idp.accounts.users import create_user, find_user, get_user
from idp.errors import Conflict, NotFound, ValidationError
from idp.extensions import db
from idp.models import AuditEvent, Mailbox, MailboxAccess, User

EMAIL = "alice.martin@chu-test.mssante.fr"
NOTIFY = "alice@example.org"


def new_user(email: str = EMAIL, **kwargs) -> User:
    return create_user(email, kwargs.pop("name", "Alice Martin"),
                       kwargs.pop("notification_email", NOTIFY), **kwargs)


def events(name: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == name)).all()


def test_the_address_is_trimmed_and_stored_in_lower_case(ctx):
    user = new_user("  Alice.Martin@CHU-Test.MSSante.fr ", notification_email="Alice@Example.ORG")

    assert user.email == EMAIL
    assert user.notification_email == NOTIFY
    assert find_user("ALICE.MARTIN@chu-test.mssante.fr").id == user.id


@pytest.mark.parametrize("address", ["alice.martin", "alice@", "@chu.fr", "alice martin@chu.fr",
                                     "alice@chu", "a" * 65 + "@chu.fr", ""])
def test_an_invalid_address_is_refused(ctx, address):
    with pytest.raises(ValidationError, match="adresse MSSanté"):
        new_user(address)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_an_invalid_notification_email_is_refused(ctx):
    with pytest.raises(ValidationError, match="adresse de notification"):
        new_user(notification_email="alice(at)example.org")


def test_the_notification_email_must_differ_from_the_mssante_address(ctx):
    with pytest.raises(ValidationError, match="différente de l'adresse MSSanté"):
        new_user(notification_email=EMAIL.upper())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+33612345678", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"),
     ("+33.6.12.34.56.78", "+33612345678"), ("+262-692-12-34-56", "+262692123456"),
     (None, None), ("", None)],
)
def test_the_phone_is_stored_in_e164_form(ctx, typed, stored):
    assert new_user(phone=typed).phone == stored


@pytest.mark.parametrize("phone", ["0612345678", "06 12 34 56 78", "+0612345678", "+33 6 12 AB",
                                   "+3361", "+336123456789012345"])
def test_a_phone_not_in_e164_form_is_refused(ctx, phone):
    with pytest.raises(ValidationError, match=r"\+33612345678"):
        new_user(phone=phone)


def test_the_name_is_split_into_given_and_family_names(ctx):
    user = new_user(name="  Marie   Dupont-Durand ")

    assert (user.given_name, user.family_name) == ("Marie", "Dupont-Durand")
    assert user.name == "Marie Dupont-Durand"


def test_an_empty_name_is_refused(ctx):
    with pytest.raises(ValidationError, match="nom est obligatoire"):
        new_user(name="   ")


def test_an_unknown_role_is_refused(ctx):
    with pytest.raises(ValidationError, match="Rôle inconnu"):
        new_user(role="superuser")


def test_an_unknown_organisation_is_refused(ctx):
    with pytest.raises(NotFound, match="999"):
        new_user(organisation_code="999")


def test_a_second_account_with_the_same_address_is_refused(ctx):
    new_user()

    with pytest.raises(Conflict, match="existe déjà"):
        new_user(EMAIL.upper(), notification_email="other@example.org")


def test_an_address_already_used_by_another_mailbox_is_refused(ctx):
    create_mailbox(EMAIL, "ORG", "Secrétariat")
    db.session.commit()

    with pytest.raises(Conflict, match="existe déjà"):
        new_user()


def test_a_new_account_gets_its_personal_mailbox_and_may_open_it(ctx):
    organisation = create_organisation("750000001", "CHU Test")

    user = new_user(organisation_code="750000001")

    mailbox = db.session.scalar(db.select(Mailbox).where(Mailbox.address == EMAIL))
    assert (mailbox.type, mailbox.name, mailbox.organisation_id) == (
        "PER", "Alice Martin", organisation.id)
    access = db.session.scalars(db.select(MailboxAccess).where(MailboxAccess.user_id == user.id))
    assert [a.mailbox_id for a in access] == [mailbox.id]
    assert mailboxes_for(user.id) == [
        {"address": EMAIL, "type": "PER", "name": "Alice Martin", "sensitive": False}]


def test_a_new_account_is_active_with_a_plain_role_and_an_opaque_subject(ctx):
    alice = new_user()
    bob = new_user("bob.durand@chu-test.mssante.fr", name="Bob Durand")

    assert alice.is_active and alice.role == "user"
    assert alice.subject and alice.subject != bob.subject
    assert "alice" not in alice.subject.lower()


def test_account_creation_is_audited(ctx):
    user = new_user(role="referent")

    [event] = events("user.created")
    assert event.user_id == user.id
    assert event.detail == {"email": EMAIL, "role": "referent"}


def test_get_user_names_the_missing_account(ctx):
    with pytest.raises(NotFound, match="bob@chu-test.mssante.fr"):
        get_user("bob@chu-test.mssante.fr")
