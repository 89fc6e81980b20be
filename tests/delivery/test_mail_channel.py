"""A code by e-mail goes through smtplib to a real SMTP server (plain, STARTTLS or TLS, with a
login when configured); a server that refuses it, is down, speaks no TLS or does not answer
leaves a failed delivery record with its reason, audited, and no error."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

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


def test_an_email_any_relay_accepts_is_seven_bit_dated_and_identified(app, ctx, secure_smtp):
    accented = Message(to=NOTIFICATION_EMAIL, subject="Connexion à votre compte MSSanté",
                       text="Votre code : 123456\nÀ bientôt, l'équipe MSSanté " + "é" * 80,
                       html="<p>À bientôt, l'équipe MSSanté</p>")
    with app_settings(app, MAIL_PORT=secure_smtp.starttls_port, MAIL_USE_TLS=True,
                      MAIL_USERNAME=secure_smtp.username, MAIL_PASSWORD=secure_smtp.password):
        deliver(alice(), "email", accented)

    [envelope] = secure_smtp.received
    assert envelope.mail_from == "ne-pas-repondre@mssante.localhost"  # the bare address
    assert envelope.rcpt_tos == [NOTIFICATION_EMAIL]
    raw = envelope.original_content
    assert raw.isascii()  # no 8BITMIME needed
    email = message_from_bytes(raw, policy=policy.default)
    assert email["Date"] and email["Message-ID"].endswith("@mssante.localhost>")
    assert email.get_content_type() == "multipart/alternative"
    text, html = email.get_body(("plain",)), email.get_body(("html",))
    assert text.get_content().replace("\r\n", "\n").strip() == accented.text
    assert html.get_content().strip() == accented.html
    body_lines = text.as_string().split("\n\n", 1)[1].splitlines()
    assert max(len(line) for line in body_lines) <= 76  # RFC 2045's limit


@pytest.mark.parametrize("use", ["MAIL_USE_TLS", "MAIL_USE_SSL"])
def test_an_email_goes_over_tls_with_the_configured_login(app, ctx, secure_smtp, use):
    port = secure_smtp.starttls_port if use == "MAIL_USE_TLS" else secure_smtp.tls_port
    with app_settings(app, MAIL_PORT=port, **{use: True}, MAIL_USERNAME=secure_smtp.username,
                      MAIL_PASSWORD=secure_smtp.password):
        delivery = deliver(alice(), "email", CODE_EMAIL)

    assert (delivery.status, delivery.reason) == ("sent", None)
    [envelope] = secure_smtp.received
    assert envelope.rcpt_tos == [NOTIFICATION_EMAIL]


def test_a_refused_login_leaves_a_failed_record_with_the_servers_answer(app, ctx, secure_smtp):
    with app_settings(app, MAIL_PORT=secure_smtp.starttls_port, MAIL_USE_TLS=True,
                      MAIL_USERNAME=secure_smtp.username, MAIL_PASSWORD="wrong"):
        delivery = deliver(alice(), "email", CODE_EMAIL)

    assert delivery.status == "failed"
    assert delivery.reason.startswith("SMTP 535 ")
    assert secure_smtp.received == []


def test_tls_towards_a_server_without_tls_leaves_a_failed_record_that_says_so(
    app, ctx, mail_catcher
):
    with app_settings(app, MAIL_USE_SSL=True):  # the mail catcher speaks plain SMTP
        delivery = deliver(alice(), "email", CODE_EMAIL)

    assert delivery.status == "failed"
    assert delivery.reason.startswith("SMTP TLS error: ")
    assert mail_catcher.messages() == []
