"""Real servers for the delivery of codes, started once per test run on free ports.

``mail_catcher``: the development mail catcher (SMTP server and Twilio-compatible endpoint); the
session ``app`` sends to it, and every test starts with it empty. ``refusing_smtp``: an SMTP
server that refuses every recipient with 550. ``slow_smtp``: an SMTP server that takes
SLOW_SMTP_SECONDS to accept each message. ``secure_smtp``: SMTP servers over TLS (STARTTLS,
or TLS from the first byte) that take mail only after a login. ``unused_port``: a port nobody
listens on. ``app_settings``: change a few settings of the session app for one block.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from idp.mailcatcher.server import MailCatcher
from idp.mailcatcher.store import MessageStore
from idp.mailcatcher.twilio_api import slow_delay

from .certificates import self_signed_certificate

HOST = "127.0.0.1"
DELIVERY_TIMEOUT_SECONDS = 2
SLOW_SMTP_SECONDS = 3  # longer than any answer of the provider should take
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


@dataclass
class SecureSmtp:
    """Two SMTP servers with a self-signed certificate, taking mail from ``username`` only:
    ``starttls_port`` requires STARTTLS before the login, ``tls_port`` speaks TLS from the first
    byte. ``received`` holds the envelopes they accepted (raw content included)."""

    starttls_port: int
    tls_port: int
    username: str = "idp-relay"
    password: str = "relay-password"  # noqa: S105 - the test servers' own
    received: list[Envelope] = field(default_factory=list)

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        """aiosmtpd authenticator: this server's one login, nothing else."""
        login = (self.username.encode(), self.password.encode())
        success = isinstance(auth_data, LoginPassword) and (
            auth_data.login, auth_data.password) == login
        return AuthResult(success=success, handled=False)  # aiosmtpd answers 535 on a failure

    async def handle_DATA(self, server, session, envelope) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        self.received.append(envelope)
        return "250 Message accepted"


@dataclass
class SlowSmtp:
    """An SMTP server slow to accept each message; ``received`` holds what it accepted."""

    host: str
    port: int
    received: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(SLOW_SMTP_SECONDS)
        self.received.append(envelope)
        return "250 Message accepted"


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
def slow_smtp() -> Iterator[SlowSmtp]:
    """An SMTP server taking SLOW_SMTP_SECONDS to accept each message."""
    server = SlowSmtp(HOST, free_port())
    controller = Controller(server, hostname=HOST, port=server.port,
                            server_hostname="slow.localhost")
    controller.start()
    yield server
    controller.stop()


@pytest.fixture(scope="session")
def secure_smtp_servers(tmp_path_factory) -> Iterator[SecureSmtp]:
    """SMTP servers over STARTTLS and over TLS, for the whole test run."""
    tls = _self_signed_tls(tmp_path_factory.mktemp("smtp-tls"))
    servers = SecureSmtp(free_port(), free_port())
    common = {"hostname": HOST, "server_hostname": "smtp.localhost",
              "authenticator": servers.authenticate}
    controllers = [
        Controller(servers, port=servers.starttls_port, tls_context=tls, require_starttls=True,
                   **common),
        # The whole connection is TLS, but aiosmtpd only knows STARTTLS's: allow the login.
        Controller(servers, port=servers.tls_port, ssl_context=tls, auth_require_tls=False,
                   **common),
    ]
    for controller in controllers:
        controller.start()
    yield servers
    for controller in controllers:
        controller.stop()


@pytest.fixture
def secure_smtp(secure_smtp_servers) -> SecureSmtp:
    """The secure SMTP servers, having received nothing yet in this test."""
    secure_smtp_servers.received.clear()
    return secure_smtp_servers


def _self_signed_tls(directory) -> ssl.SSLContext:
    """A server TLS context with a new self-signed certificate for smtp.localhost."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed_certificate(directory, "smtp.localhost"))
    return context


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on: connections to it are refused."""
    return free_port()


@contextlib.contextmanager
def app_settings(app, **values: Any) -> Iterator[None]:
    """Run the block with some settings of ``app`` changed, then put the old values back."""
    saved = {key: app.config[key] for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(saved)
