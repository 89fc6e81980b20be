"""Delivery records, as support staff read them: one per code sent, destination masked, newest
first; a failed delivery is an answer (status "failed"), never an exception, and it is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.delivery.channel import Message
from idp.delivery.masking import mask
from idp.delivery.records import deliver, latest_deliveries
from idp.extensions import db
from idp.mailcatcher.twilio_api import INVALID_NUMBER
from idp.models import Delivery, OtpChallenge
from idp.models.base import utcnow

from .helpers import MOBILE, NOTIFICATION_EMAIL, alice


@pytest.mark.parametrize(
    ("destination", "masked"),
    [
        ("alice@example.org", "a***@example.org"),
        ("j@example.org", "j***@example.org"),
        ("+33612345678", "+33 6** ** ** 78"),
        ("+33 6 12 34 56 78", "+33 6** ** ** 78"),
        ("+14155550123", "+1 4* ** ** ** 23"),
        ("+447911123456", "+44 7* ** ** ** 56"),
        ("+352621123456", "+352 6** ** ** 56"),
        ("0612345678", "********78"),
    ],
)
def test_destinations_are_masked_keeping_what_support_staff_recognise(destination, masked):
    assert mask(destination) == masked


def test_the_latest_deliveries_of_a_person_come_newest_first(ctx):
    user = alice()
    first = deliver(user, "email", Message(to=NOTIFICATION_EMAIL, subject="1", text="un"))
    second = deliver(user, "sms", Message(to=MOBILE, text="deux"))
    third = deliver(user, "sms", Message(to=INVALID_NUMBER, text="trois"))

    assert [d.id for d in latest_deliveries(user.id, 10)] == [third.id, second.id, first.id]
    assert [d.id for d in latest_deliveries(user.id, 2)] == [third.id, second.id]
    assert [d.status for d in latest_deliveries(user.id, 10)] == ["failed", "accepted", "sent"]
    assert latest_deliveries(user.id + 1, 10) == []


def test_a_failed_delivery_is_kept_whatever_the_caller_does_next(ctx):
    user = alice()

    delivery = deliver(user, "sms", Message(to=INVALID_NUMBER, text="code"))
    db.session.rollback()

    kept = db.session.get(Delivery, delivery.id)
    assert (kept.status, kept.destination) == ("failed", "+33 6** ** ** 01")
    assert kept.reason.startswith("Twilio 21211")


def test_a_delivery_remembers_the_challenge_of_its_code(ctx):
    user = alice()
    challenge = OtpChallenge(user_id=user.id, channel="email", code_hash="0" * 64,
                             expires_at=utcnow() + timedelta(minutes=10))
    db.session.add(challenge)
    db.session.flush()

    delivery = deliver(user, "email", Message(to=NOTIFICATION_EMAIL, text="code"),
                       challenge_id=challenge.id)

    assert db.session.get(Delivery, delivery.id).challenge_id == challenge.id
    assert db.session.get(OtpChallenge, challenge.id) is not None  # committed with it


def test_an_unknown_channel_is_a_programming_error(ctx):
    with pytest.raises(ValueError, match="carrier pigeon"):
        deliver(alice(), "carrier pigeon", Message(to=NOTIFICATION_EMAIL, text="code"))
