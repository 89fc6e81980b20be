"""Real servers for the delivery of codes, started once per test run on free ports.

``mail_catcher``: the development mail catcher (SMTP server and Twilio-compatible endpoint); the
session ``app`` sends to it, and every test starts with it empty. ``refusing_smtp``: an SMTP
server that refuses every recipient with 550. ``unused_port``: a port nobody listens on.
``app_settings``: change a few settings of the session app for one block.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from idp.extensions import mail
from idp.mailcatcher.server import MailCatcher
from idp.mailcatcher.store import MessageStore
from idp.mailcatcher.twilio_api import slow_delay

HOST = "127.0.0.1"
DELIVERY_TIMEOUT_SECONDS = 2
TWILIO_ACCOUNT_SID = "AC" + "7e57" * 8
TWILIO_FROM = "MSSante"


def free_port() -> int:
    """A TCP port free right now on HOST."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class RunningCatcher:
    """The mail catcher of the test run, seen from the tests."""

    smtp_port: int
    http_url: str
    store: MessageStore

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Received messages, newest first: all, or only "email" or "sms"."""
        return self.store.messages(kind)

    def clear(self) -> None:
        """Forget every received message."""
        self.store.clear()

    @property
    def settings(self) -> dict[str, Any]:
        """Provider settings that send e-mails and SMS to this catcher."""
        return {
            "MAIL_SERVER": HOST,
            "MAIL_PORT": self.smtp_port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": "test-token",
            "TWILIO_FROM": TWILIO_FROM,
            "TWILIO_BASE_URL": self.http_url,
            "DELIVERY_TIMEOUT_SECONDS": DELIVERY_TIMEOUT_SECONDS,
        }


@dataclass
class SmtpServer:
    """Where an SMTP server listens."""

    host: str
    port: int


class _RefuseEveryRecipient:
    """aiosmtpd handler answering 550 to every RCPT TO."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return "550 5.1.1 Mailbox unavailable"


@pytest.fixture(scope="session")
def mail_catcher() -> Iterator[RunningCatcher]:
    """The mail catcher, running for the whole test run."""
    catcher = MailCatcher(HOST, free_port(), 0, slow_delay(DELIVERY_TIMEOUT_SECONDS))
    with catcher:
        yield RunningCatcher(catcher.smtp_port, catcher.http_url, catcher.store)


@pytest.fixture(scope="session")
def refusing_smtp() -> Iterator[SmtpServer]:
    """An SMTP server that refuses every recipient (550), for the whole test run."""
    controller = Controller(_RefuseEveryRecipient(), hostname=HOST, port=free_port(),
                            server_hostname="refusing.localhost")
    controller.start()
    yield SmtpServer(HOST, controller.port)
    controller.stop()


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on: connections to it are refused."""
    return free_port()


@contextlib.contextmanager
def app_settings(app, **values: Any) -> Iterator[None]:
    """Run the block with some settings of ``app`` changed (Flask-Mail reads them again), then
    put the old values back."""
    saved = {key: app.config[key] for key in values}
    app.config.update(values)
    mail.init_app(app)
    try:
        yield
    finally:
        app.config.update(saved)
        mail.init_app(app)
