"""A code by e-mail goes through Flask-Mail to a real SMTP server; a server that refuses it, is
down or does not answer leaves a failed delivery record with its reason, audited, and no error."""

from __future__ import annotations

import socket

import pytest

from idp.audit import events_for
from idp.delivery.channel import Message
from idp.delivery.records import deliver

from ..delivery_servers import HOST, app_settings
from .helpers import NOTIFICATION_EMAIL, alice

CODE_EMAIL = Message(
    to=NOTIFICATION_EMAIL,
    subject="Votre code de connexion MSSanté",
    text="Bonjour,\nVotre code : 123456\nCordialement,",
    html="<p>Bonjour,</p><p>Votre code : <strong>123456</strong></p><p>Cordialement,</p>",
)


def test_an_email_in_text_and_html_reaches_the_smtp_server(app, ctx, mail_catcher):
    user = alice()

    delivery = deliver(user, "email", CODE_EMAIL)

    [email] = mail_catcher.messages("email")
    assert email["to"] == [NOTIFICATION_EMAIL]
    assert email["from"] == app.config["MAIL_DEFAULT_SENDER"]
    assert email["subject"] == "Votre code de connexion MSSanté"
    assert email["text"].strip() == CODE_EMAIL.text
    assert "<strong>123456</strong>" in email["html"]
    assert (delivery.channel, delivery.status, delivery.reason) == ("email", "sent", None)
    assert delivery.destination == "a***@example.org"


@pytest.mark.parametrize("subject", [
    "Confirmez la nouvelle adresse de notification de votre compte MSSanté é è à",
    "Votre compte MSSanté : choisissez votre mot de passe — accès à l'hôpital numéro 12",
])
def test_a_long_subject_with_accents_arrives_intact(ctx, mail_catcher, subject):
    """Python 3.11's legacy header folding dropped the space between two encoded words."""
    deliver(alice(), "email", Message(to=NOTIFICATION_EMAIL, subject=subject, text="é",
                                      html="<p>é</p>"))
    assert mail_catcher.messages("email")[0]["subject"] == subject


def test_a_sent_email_is_audited_with_its_masked_destination(ctx, mail_catcher):
    user = alice()

    deliver(user, "email", CODE_EMAIL)

    event = events_for(user.id)[0]
    assert event.event == "delivery.sent"
    assert event.detail == {"channel": "email", "destination": "a***@example.org",
                            "status": "sent"}


def test_a_refused_recipient_leaves_a_failed_record_with_the_servers_answer(
    app, ctx, refusing_smtp
):
    user = alice()

    with app_settings(app, MAIL_PORT=refusing_smtp.port):
        delivery = deliver(user, "email", CODE_EMAIL)

    assert delivery.status == "failed"
    assert delivery.reason == "SMTP 550 5.1.1 Mailbox unavailable"
    event = events_for(user.id)[0]
    assert event.event == "delivery.failed"
    assert event.detail == {"channel": "email", "destination": "a***@example.org",
                            "reason": "SMTP 550 5.1.1 Mailbox unavailable"}


def test_an_smtp_server_that_is_down_leaves_a_failed_record_and_no_exception(
    app, ctx, unused_port, mail_catcher
):
    user = alice()

    with app_settings(app, MAIL_PORT=unused_port):
        delivery = deliver(user, "email", CODE_EMAIL)

    assert (delivery.status, delivery.reason) == ("failed", "SMTP server unreachable")
    assert events_for(user.id)[0].event == "delivery.failed"
    assert mail_catcher.messages() == []


def test_an_smtp_server_that_never_answers_is_given_up_after_the_timeout(app, ctx):
    user = alice()

    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind((HOST, 0))
        silent.listen()
        with app_settings(app, MAIL_PORT=silent.getsockname()[1], DELIVERY_TIMEOUT_SECONDS=1):
            delivery = deliver(user, "email", CODE_EMAIL)

    assert (delivery.status, delivery.reason) == ("failed", "SMTP timeout")
