"""Changing the notification e-mail: nothing changes until the new address follows its link;
the old address is told of the request and of the change. The e-mails really travel to the
mail catcher."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from idp.accounts import notification_email
from idp.accounts.notification_email import (
    LinkInvalid,
    change_for_link,
    last_code_delivery,
    pending_change,
)
from idp.errors import ValidationError
from idp.extensions import db
from idp.factors.coded import CodeByEmail
from idp.models import AuditEvent, JobAttempt, NotificationEmailChange, User
from idp.models.base import utcnow

from ..delivery_servers import app_settings

ALICE = "alice.martin@chu-test.mssante.fr"
OLD = "alice@example.org"
NEW = "martin.perso@example.net"
EXPIRED = "Ce lien de confirmation n'est plus valable"


def request_change(user: User, address: str, requested_by: str) -> NotificationEmailChange:
    """Ask as an edge does: the e-mails leave once the request is committed."""
    change = notification_email.request_change(user, address, requested_by=requested_by)
    db.session.commit()
    return change


def confirm_change(token: str) -> User:
    """Follow the link as an edge does: the notice leaves once the change is committed."""
    user = notification_email.confirm_change(token)
    db.session.commit()
    return user


@pytest.fixture
def alice(ctx, actors) -> User:
    actors.user()
    return db.session.scalar(db.select(User))


def events(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))


def mails_to(mail_catcher, address: str) -> list[dict]:
    """E-mails received by ``address``, newest first."""
    return [m for m in mail_catcher.messages("email") if m["to"] == [address]]


def readable(mail) -> str:
    """The text of an e-mail, non-breaking spaces (French typography) as plain ones."""
    return mail["text"].replace("\xa0", " ")


def token_of(mail) -> str:
    """The token of the confirmation link in an e-mail (text and HTML carry the same link)."""
    link = re.search(r"http://localhost/account/notification-email/confirm/(\S+)", mail["text"])
    assert link.group(0) in mail["html"]
    return link.group(1)


def current_address(user: User) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).notification_email


def test_a_request_changes_nothing_and_mails_the_link_to_the_new_address(alice, mail_catcher):
    change = request_change(alice, " Martin.Perso@Example.NET ", requested_by="cli")

    assert (change.new_address, change.requested_by) == (NEW, "cli")
    assert current_address(alice) == OLD
    assert pending_change(alice).id == change.id
    [link] = mails_to(mail_catcher, NEW)
    assert link["subject"] == "Confirmez votre nouvelle adresse de notification MSSanté"
    assert ALICE in link["text"] and "valable 2 jours" in readable(link)
    assert change.token_hash != token_of(link)  # only the digest is stored
    [event] = events("notification_email.change_requested")
    assert event.detail == {"requested_by": "cli", "previous": OLD, "new": NEW}


def test_the_old_address_is_told_of_the_request(alice, mail_catcher):
    request_change(alice, NEW, requested_by="referent@chu-test.mssante.fr")

    [notice] = mails_to(mail_catcher, OLD)
    assert notice["subject"] == "Changement demandé de votre adresse de notification MSSanté"
    assert "m***@example.net" in notice["text"] and NEW not in notice["text"]
    assert "contactez votre référent MSSanté" in notice["text"]
    assert "support@example.org" in notice["html"]
    assert "/account/notification-email/confirm/" not in notice["text"]  # the link is not here


def test_following_the_link_changes_the_address_and_tells_the_old_one(alice, mail_catcher):
    request_change(alice, NEW, requested_by="self")
    token = token_of(mails_to(mail_catcher, NEW)[0])

    user = confirm_change(token)

    assert user.notification_email == NEW and current_address(alice) == NEW
    assert pending_change(alice) is None
    told = mails_to(mail_catcher, OLD)[0]
    assert told["subject"] == "Votre adresse de notification MSSanté a été changée"
    assert f"L'adresse de notification du compte MSSanté {ALICE} a été changée" in told["text"]
    assert "m***@example.net" in told["text"] and "support@example.org" in told["text"]
    [event] = events("notification_email.changed")
    assert event.detail == {"requested_by": "self", "previous": OLD, "new": NEW}
    assert db.session.scalar(db.select(NotificationEmailChange.confirmed_at)) is not None


def test_the_link_works_once(alice, mail_catcher):
    request_change(alice, NEW, requested_by="self")
    token = token_of(mails_to(mail_catcher, NEW)[0])
    confirm_change(token)

    with pytest.raises(LinkInvalid, match=EXPIRED):
        confirm_change(token)
    assert [e.detail["reason"] for e in events("notification_email.confirm_failed")] == ["used"]
    assert len(events("notification_email.changed")) == 1


def test_an_expired_link_is_refused_and_nothing_changes(alice, mail_catcher):
    request_change(alice, NEW, requested_by="self")
    token = token_of(mails_to(mail_catcher, NEW)[0])
    db.session.execute(db.update(NotificationEmailChange).values(
        expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    with pytest.raises(LinkInvalid) as refused:
        confirm_change(token)
    assert "a expiré" in refused.value.message
    assert current_address(alice) == OLD and pending_change(alice) is None
    assert [e.detail["reason"] for e in events("notification_email.confirm_failed")] == [
        "expired"]


def test_the_link_is_valid_for_the_configured_time(app, alice, mail_catcher):
    with app_settings(app, NOTIFICATION_EMAIL_CONFIRM_TTL_SECONDS=1800):
        change = request_change(alice, NEW, requested_by="self")
    assert change.expires_at - change.created_at == timedelta(minutes=30)
    assert "valable 30 minutes" in readable(mails_to(mail_catcher, NEW)[0])


def test_an_unknown_link_is_refused(alice):
    with pytest.raises(LinkInvalid):
        confirm_change("not-a-token")
    assert current_address(alice) == OLD


def test_a_newer_request_supersedes_the_older_one(alice, mail_catcher):
    request_change(alice, NEW, requested_by="self")
    older = token_of(mails_to(mail_catcher, NEW)[0])
    newer_change = request_change(alice, "alice.bis@example.com", requested_by="self")
    newer = token_of(mails_to(mail_catcher, "alice.bis@example.com")[0])

    assert pending_change(alice).id == newer_change.id
    with pytest.raises(LinkInvalid):
        confirm_change(older)
    assert current_address(alice) == OLD
    assert confirm_change(newer).notification_email == "alice.bis@example.com"


def test_looking_at_a_link_changes_nothing(alice, mail_catcher):
    change = request_change(alice, NEW, requested_by="self")
    token = token_of(mails_to(mail_catcher, NEW)[0])

    found, user = change_for_link(token)

    assert (found.id, user.id) == (change.id, alice.id)
    assert current_address(alice) == OLD and pending_change(alice).id == change.id
    assert confirm_change(token).notification_email == NEW  # still usable


@pytest.mark.parametrize(("address", "message"), [
    ("martin(at)example.net", "n'est pas une adresse e-mail valide"),
    ("", "n'est pas une adresse e-mail valide"),
    (ALICE.upper(), "différente de l'adresse MSSanté"),
    (" Alice@Example.ORG", "est déjà l'adresse de notification"),
])
def test_an_address_that_cannot_be_used_is_refused_without_change(alice, mail_catcher, address,
                                                                  message):
    with pytest.raises(ValidationError, match=message):
        request_change(alice, address, requested_by="self")

    db.session.rollback()
    assert current_address(alice) == OLD
    assert db.session.scalar(db.select(NotificationEmailChange)) is None
    assert events("notification_email.change_requested") == []
    assert mail_catcher.messages() == []


def test_a_refused_address_leaves_the_pending_request_alone(alice, mail_catcher):
    change = request_change(alice, NEW, requested_by="self")
    with pytest.raises(ValidationError):
        request_change(alice, "nope", requested_by="self")
    assert pending_change(alice).id == change.id


def test_a_link_that_cannot_be_sent_after_the_last_retry_withdraws_the_request(
        app, alice, mail_catcher, refusing_smtp):
    with app_settings(app, MAIL_PORT=refusing_smtp.port, JOB_MAX_RETRIES=0):
        request_change(alice, NEW, requested_by="self")

    assert pending_change(alice) is None and current_address(alice) == OLD
    assert mail_catcher.messages() == []  # the old address is not told of a dead request
    assert [e.detail["reason"] for e in events("notification_email.change_withdrawn")] == [
        "link_not_sent"]
    [attempt] = db.session.scalars(db.select(JobAttempt)).all()
    assert (attempt.task, attempt.outcome) == ("notification_link", "given_up")
    assert "550" in attempt.error and NEW not in attempt.error


def test_a_link_that_failed_once_keeps_the_request_for_its_retry(app, alice, mail_catcher,
                                                                 refusing_smtp):
    with app_settings(app, MAIL_PORT=refusing_smtp.port, JOB_MAX_RETRIES=3):
        change = request_change(alice, NEW, requested_by="self")

    assert pending_change(alice).id == change.id
    assert events("notification_email.change_withdrawn") == []
    assert mail_catcher.messages() == []  # the old address hears of it once the link has left
    [attempt] = db.session.scalars(db.select(JobAttempt)).all()
    assert (attempt.attempt, attempt.outcome) == (1, "retry")


def test_the_last_code_is_the_newest_code_sent_to_the_current_address(alice, mail_catcher):
    assert last_code_delivery(alice) is None
    challenge = CodeByEmail().begin(alice)
    request_change(alice, NEW, requested_by="self")  # a link and a notice are not codes

    last = last_code_delivery(alice)

    assert (last.challenge_id, last.status, last.destination) == (
        challenge.id, "sent", "a***@example.org")


def test_after_a_change_a_code_sent_to_the_previous_address_is_not_shown(alice, mail_catcher):
    CodeByEmail().begin(alice)
    request_change(alice, "anne@example.org", requested_by="self")  # the same mask as OLD
    confirm_change(token_of(mails_to(mail_catcher, "anne@example.org")[0]))

    assert last_code_delivery(alice) is None
    challenge = CodeByEmail().begin(alice)
    assert mails_to(mail_catcher, "anne@example.org")[0]["subject"] == (
        "Connexion à votre compte MSSanté")
    assert last_code_delivery(alice).challenge_id == challenge.id

