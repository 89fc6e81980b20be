"""E-mail channel: a ``Message`` sent through Flask-Mail over SMTP, bounded by a timeout."""

from __future__ import annotations

import contextlib
import smtplib
from email import policy

import flask_mail
from flask import current_app

from .channel import DeliveryFailed, Message, Sent


class MailChannel:
    """Sends e-mails (plain text, and HTML when given) to the configured SMTP server."""

    name = "email"

    def __init__(self, timeout: float):
        self.timeout = timeout

    def send(self, message: Message) -> Sent:
        """Hand the message to the SMTP server; raise DeliveryFailed when it is refused or
        the server cannot be reached in time."""
        email = _Email(subject=message.subject, recipients=[message.to],
                       body=message.text, html=message.html)
        try:
            with _Connection(current_app.extensions["mail"], self.timeout) as connection:
                connection.send(email)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise DeliveryFailed(_smtp_reason(code, text)) from error
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(_smtp_reason(error.smtp_code, error.smtp_error)) from error
        except smtplib.SMTPServerDisconnected as error:  # smtplib's word for a read timeout too
            timed_out = isinstance(error.__context__, TimeoutError)
            raise DeliveryFailed(
                "SMTP timeout" if timed_out else "SMTP server closed the connection"
            ) from error
        except TimeoutError as error:
            raise DeliveryFailed("SMTP timeout") from error
        except smtplib.SMTPException as error:
            raise DeliveryFailed(f"SMTP error: {error}"[:255]) from error
        except OSError as error:
            raise DeliveryFailed("SMTP server unreachable") from error
        return Sent("sent")


class _Email(flask_mail.Message):
    """Flask-Mail's message, with its subject encoded by the standard library's current e-mail
    policy. Flask-Mail encodes it with the legacy ``Header``, and Python 3.11 drops a space
    where it folds a long subject between encoded words ("MSSanté é" arrived as "MSSantéé");
    our subjects are short, so they are written on one line, without folding."""

    POLICY = policy.SMTP.clone(max_line_length=200)

    def as_bytes(self) -> bytes:
        email = self._message()
        del email["Subject"]
        email["Subject"] = self.subject
        return email.as_bytes(policy=self.POLICY)


def _smtp_reason(code: int, text: bytes | str) -> str:
    """'SMTP 550 mailbox unavailable': the code and the first line of the server's answer."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return f"SMTP {code} {first_line}".strip()[:255]


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout, closed without a word when the exchange failed."""

    def __init__(self, mail, timeout: float):
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        try:
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if self.host is None:
            return
        if exc_type is None:  # the message is accepted: a failing goodbye changes nothing
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.host.quit()
        self.host.close()
