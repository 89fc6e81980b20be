"""A code by SMS goes through the real twilio library to a Twilio-compatible endpoint (the mail
catcher); an error answer, a timeout or an unreachable API leave a failed record, audited."""

from __future__ import annotations

import logging
import time

import requests

from idp.audit import events_for
from idp.delivery.channel import Message
from idp.delivery.records import deliver
from idp.mailcatcher.twilio_api import INVALID_NUMBER, SLOW_NUMBER

from ..delivery_servers import DELIVERY_TIMEOUT_SECONDS, TWILIO_FROM, app_settings
from .helpers import MOBILE, alice

CODE_SMS = Message(to=MOBILE, text="MSSanté : votre code de connexion est 123456.")


def test_an_sms_is_posted_by_the_twilio_library_and_shows_in_the_catcher(ctx, mail_catcher):
    user = alice()

    delivery = deliver(user, "sms", CODE_SMS)

    with requests.get(f"{mail_catcher.http_url}/api/messages", timeout=5) as answer:
        [sms] = answer.json()
    assert sms["kind"] == "sms"
    assert (sms["to"], sms["from"], sms["body"]) == (MOBILE, TWILIO_FROM, CODE_SMS.text)
    assert (delivery.channel, delivery.status, delivery.reason) == ("sms", "accepted", None)
    assert delivery.provider_id == sms["sid"]
    assert delivery.provider_id.startswith("SM")
    assert delivery.destination == "+33 6** ** ** 78"
    assert events_for(user.id)[0].event == "delivery.sent"


def test_a_twilio_error_answer_leaves_a_failed_record_with_its_code(ctx, mail_catcher):
    user = alice()

    delivery = deliver(user, "sms", Message(to=INVALID_NUMBER, text=CODE_SMS.text))

    assert delivery.status == "failed"
    assert delivery.reason == "Twilio 21211 The 'To' number is not a valid phone number."
    event = events_for(user.id)[0]
    assert event.event == "delivery.failed"
    assert event.detail == {"channel": "sms", "destination": "+33 6** ** ** 01",
                            "reason": delivery.reason}
    assert mail_catcher.messages() == []


def test_a_provider_that_answers_too_late_is_given_up_after_the_timeout(ctx):
    user = alice()

    started = time.monotonic()
    delivery = deliver(user, "sms", Message(to=SLOW_NUMBER, text=CODE_SMS.text))

    assert time.monotonic() - started < DELIVERY_TIMEOUT_SECONDS + 1
    assert (delivery.status, delivery.reason) == ("failed", "Twilio timeout")
    assert events_for(user.id)[0].detail["reason"] == "Twilio timeout"


def test_an_unreachable_provider_leaves_a_failed_record(app, ctx, unused_port):
    user = alice()

    with app_settings(app, TWILIO_BASE_URL=f"http://127.0.0.1:{unused_port}"):
        delivery = deliver(user, "sms", CODE_SMS)

    assert (delivery.status, delivery.reason) == ("failed", "Twilio unreachable")


def test_the_outbox_writes_the_sms_to_the_log_instead_of_sending_it(
    app, ctx, mail_catcher, caplog
):
    user = alice()

    with app_settings(app, SMS_BACKEND="outbox"), caplog.at_level(logging.WARNING):
        delivery = deliver(user, "sms", CODE_SMS)

    assert (delivery.status, delivery.provider_id) == ("accepted", None)
    assert f"to {MOBILE}: {CODE_SMS.text}" in caplog.text
    assert mail_catcher.messages() == []
