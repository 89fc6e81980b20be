"""The development mail catcher (`idp mailcatcher`): e-mails over SMTP and SMS through its
Twilio-compatible endpoint show together on one French page and in a JSON API."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .delivery_servers import HOST, TWILIO_ACCOUNT_SID, free_port

IDP = Path(sys.executable).with_name("idp")


def send_email(smtp_port: int, text: str, subject: str = "Votre code", html: str | None = None):
    """Send one e-mail with smtplib, as any SMTP client would."""
    email = EmailMessage()
    email["From"] = "MSSanté <ne-pas-repondre@mssante.localhost>"
    email["To"] = "alice@example.org"
    email["Subject"] = subject
    email.set_content(text)
    if html:
        email.add_alternative(html, subtype="html")
    with smtplib.SMTP(HOST, smtp_port, timeout=5) as smtp:
        smtp.send_message(email)


def send_sms(http_url: str, body: str, to: str = "+33612345678") -> str:
    """Send one SMS with the twilio library pointed at ``http_url``; returns its sid."""
    http_client = TwilioHttpClient(timeout=5)
    client = Client(TWILIO_ACCOUNT_SID, "token", http_client=http_client)
    client.api.base_url = http_url
    try:
        return client.api.account.messages.create(to=to, from_="MSSante", body=body).sid
    finally:
        http_client.session.close()


def page(http_url: str, query: str = "") -> str:
    with requests.get(f"{http_url}/{query}", timeout=5) as answer:
        assert answer.status_code == 200
        return answer.text


def api_messages(http_url: str, query: str = "") -> list[dict]:
    with requests.get(f"{http_url}/api/messages{query}", timeout=5) as answer:
        return answer.json()


def test_the_page_lists_emails_and_sms_together_newest_first_in_french(mail_catcher):
    send_email(mail_catcher.smtp_port, "Votre code : 111111", subject="Code par courriel")
    send_sms(mail_catcher.http_url, "Votre code : 222222")

    html = page(mail_catcher.http_url)

    assert '<html lang="fr">' in html
    assert "Messages reçus" in html
    assert html.index("222222") < html.index("Code par courriel") < html.index("111111")
    assert "alice@example.org" in html and "+33612345678" in html
    assert '<meta http-equiv="refresh"' in html


def test_the_page_can_stop_refreshing_itself(mail_catcher):
    paused = page(mail_catcher.http_url, "?actualiser=0")

    assert '<meta http-equiv="refresh"' not in paused
    assert "Reprendre l'actualisation" in paused
    assert "Aucun message reçu pour l'instant." in paused


def test_the_page_escapes_the_html_of_the_messages(mail_catcher):
    send_email(mail_catcher.smtp_port, "<script>alert('courriel')</script>",
               subject="<b>objet</b>", html="<p onclick=\"x()\">HTML</p>")
    send_sms(mail_catcher.http_url, "<img src=x onerror=alert('sms')>")

    html = page(mail_catcher.http_url)

    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>objet</b>" not in html and "&lt;b&gt;objet&lt;/b&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert '<iframe sandbox srcdoc="&lt;p onclick=&#34;x()&#34;&gt;HTML' in html


def test_the_json_api_lists_filters_and_clears_the_messages(mail_catcher):
    send_email(mail_catcher.smtp_port, "Votre code : 333333",
               html="<p>Votre code : <b>333333</b></p>")
    sid = send_sms(mail_catcher.http_url, "Votre code : 444444")

    sms, email = api_messages(mail_catcher.http_url)
    assert (sms["kind"], sms["sid"], sms["to"], sms["from"]) == ("sms", sid, "+33612345678",
                                                                 "MSSante")
    assert sms["body"] == "Votre code : 444444"
    assert (email["kind"], email["to"], email["subject"]) == ("email", ["alice@example.org"],
                                                              "Votre code")
    assert email["from"] == "MSSanté <ne-pas-repondre@mssante.localhost>"
    assert email["text"] == "Votre code : 333333\n"
    assert "<b>333333</b>" in email["html"]
    assert [m["kind"] for m in api_messages(mail_catcher.http_url, "?kind=sms")] == ["sms"]

    with requests.delete(f"{mail_catcher.http_url}/api/messages", timeout=5) as cleared:
        assert cleared.status_code == 204
    assert api_messages(mail_catcher.http_url) == []
    assert mail_catcher.messages() == []


def test_the_twilio_endpoint_answers_like_twilio(mail_catcher):
    url = f"{mail_catcher.http_url}/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
    form = {"To": "+33612345678", "From": "MSSante", "Body": "Bonjour"}

    with requests.post(url, data=form, auth=(TWILIO_ACCOUNT_SID, "token"), timeout=5) as created:
        assert created.status_code == 201
        message = created.json()
    with requests.post(url, data=form, auth=("ACsomeoneelse", "token"), timeout=5) as stranger:
        assert (stranger.status_code, stranger.json()["code"]) == (401, 20003)
    with requests.post(url, data={**form, "To": ""}, auth=(TWILIO_ACCOUNT_SID, "token"),
                       timeout=5) as no_number:
        assert (no_number.status_code, no_number.json()["code"]) == (400, 21604)
    with requests.post(url, data={**form, "To": "+33600000001"},
                       auth=(TWILIO_ACCOUNT_SID, "token"), timeout=5) as invalid:
        assert invalid.status_code == 400
        assert invalid.json()["code"] == 21211
        assert invalid.json()["message"] == "The 'To' number is not a valid phone number."

    assert message["sid"].startswith("SM") and len(message["sid"]) == 34
    assert (message["status"], message["to"], message["from"], message["body"]) == (
        "queued", "+33612345678", "MSSante", "Bonjour")
    assert message["account_sid"] == TWILIO_ACCOUNT_SID
    assert [m["sid"] for m in mail_catcher.messages("sms")] == [message["sid"]]


def test_the_mailcatcher_command_documents_its_options(runner):
    result = runner.invoke(args=["mailcatcher", "--help"])

    assert result.exit_code == 0, result.output
    for option in ("--host", "--smtp-port", "--http-port"):
        assert option in result.output


def start_catcher(tmp_path):
    """`idp mailcatcher` started on two free ports: (smtp_port, http_url, process, log) once it
    answers, or None when one of its ports was taken meanwhile."""
    smtp_port, http_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "FLASK_"))}
    env["IDP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.db'}"
    log = tmp_path / "mailcatcher.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(IDP), "mailcatcher", "--host", HOST, "--smtp-port", str(smtp_port),
             "--http-port", str(http_port)],
            env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT,
        )
    http_url = f"http://{HOST}:{http_port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            api_messages(http_url)
            return smtp_port, http_url, process, log
        except requests.ConnectionError:
            if process.poll() is not None and "address already in use" in log.read_text():
                return None
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                pytest.fail("idp mailcatcher did not start:\n" + log.read_text())
            time.sleep(0.1)


@pytest.fixture
def catcher_process(tmp_path):
    """`idp mailcatcher` in its own process on free ports; yields (smtp_port, http_url).
    Ports taken by another program between their choice and the bind are chosen again."""
    for _ in range(3):
        started = start_catcher(tmp_path)
        if started is not None:
            break
    else:
        pytest.fail("idp mailcatcher found no free ports in three tries")
    smtp_port, http_url, process, log = started
    yield smtp_port, http_url, process, log
    if process.poll() is None:
        process.kill()
        process.wait()


def test_the_real_command_catches_an_email_and_an_sms_until_it_is_stopped(catcher_process):
    smtp_port, http_url, process, log = catcher_process

    send_email(smtp_port, "Votre code : 555555", subject="Code du processus")
    send_sms(http_url, "Votre code : 666666")

    html = page(http_url)
    assert "Code du processus" in html and "555555" in html and "666666" in html
    assert [m["kind"] for m in api_messages(http_url)] == ["sms", "email"]
    process.terminate()
    assert process.wait(timeout=10) == 0
    output = log.read_text()
    assert f"SMTP : {HOST}:{smtp_port}" in output and "Ctrl-C pour arrêter." in output
