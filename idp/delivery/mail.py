"""E-mail channel: a ``Message`` written as a MIME message and handed to the SMTP server with
``smtplib``, every step bounded by a timeout.

The message is built with the standard library's ``email.mime`` classes: bodies in
quoted-printable (lines of 76 characters at most), accented headers as RFC 2047 encoded words,
so 7-bit: any relay takes it, with or without 8BITMIME. The newer ``EmailMessage`` API writes the
same message but parses and refolds every header through its header registry, at three times
the CPU (2.5 ms against 0.8 ms for a code's e-mail, sent while the person waits).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, getaddresses, make_msgid

from .channel import DeliveryFailed, Message, Sent

UTF8 = Charset("utf-8")
UTF8.header_encoding = QP
UTF8.body_encoding = QP
# Encoded words are not folded: Python's folders have moved or dropped the spaces between
# encoded words ("MSSanté é è à" arrived as "MSSantééèà"); our subjects are short.
HEADER_LINE_LENGTH = 998  # RFC 5322
# smtplib sends bytes as they are: lines must end in CRLF already.
ON_THE_WIRE = policy.compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class SmtpServer:
    """How to reach the SMTP server: the MAIL_* settings."""

    host: str
    port: int
    use_tls: bool = False  # STARTTLS after connecting
    use_ssl: bool = False  # TLS from the first byte
    username: str = ""
    password: str = ""


class MailChannel:
    """Sends e-mails (plain text, and HTML when given) from ``sender`` through ``server``."""

    name = "email"

    def __init__(self, server: SmtpServer, sender: str, *, timeout: float):
        self.server = server
        self.sender = sender
        self.timeout = timeout

    def send(self, message: Message) -> Sent:
        """Hand the message to the SMTP server; raise DeliveryFailed when it is refused or
        the server cannot be reached in time."""
        email = compose(message, self.sender)
        try:
            self._hand_over(email, _bare(self.sender), [_bare(message.to)])
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
        except ssl.SSLError as error:
            raise DeliveryFailed(f"SMTP TLS error: {error.reason or error}"[:255]) from error
        except OSError as error:
            raise DeliveryFailed("SMTP server unreachable") from error
        return Sent("sent")

    def _hand_over(self, email: MIMEText | MIMEMultipart, sender: str, recipients: list[str]
                   ) -> None:
        """One SMTP session: connect, STARTTLS and log in as configured, send, say goodbye.
        The socket is closed in every case; after a failure without a goodbye, which would
        only wait for a server that already failed."""
        server = self.server
        smtp_class = smtplib.SMTP_SSL if server.use_ssl else smtplib.SMTP
        with contextlib.closing(smtp_class(server.host, server.port, timeout=self.timeout)) as smtp:
            if server.use_tls:
                smtp.starttls()
            if server.username and server.password:
                smtp.login(server.username, server.password)
            smtp.sendmail(sender, recipients, email.as_bytes(policy=ON_THE_WIRE))
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()  # the message is accepted: a failing goodbye changes nothing


def compose(message: Message, sender: str) -> MIMEText | MIMEMultipart:
    """The e-mail of ``message`` from ``sender``: text, with an HTML alternative when given."""
    email = MIMEText(message.text, "plain", UTF8)
    if message.html is not None:
        email = MIMEMultipart("alternative", _subparts=[email,
                                                       MIMEText(message.html, "html", UTF8)])
    email["From"] = _address_header(sender)
    email["To"] = _address_header(message.to)
    email["Subject"] = _text_header(message.subject)
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=_bare(sender).rpartition("@")[2])
    return email


def _bare(address: str) -> str:
    """The bare address of "Name <address>" (or of a bare address), for the SMTP envelope."""
    return getaddresses([address])[0][1]


def _address_header(address: str) -> str:
    """An address header's value, its display name as encoded words when accented."""
    [(name, bare)] = getaddresses([address])
    return formataddr((name, bare), charset=UTF8)


def _text_header(text: str) -> str | Header:
    """A text header's value: as is when ASCII, else as encoded words on one line."""
    if text.isascii():
        return text
    return Header(text, UTF8, maxlinelen=HEADER_LINE_LENGTH)


def _smtp_reason(code: int, text: bytes | str) -> str:
    """'SMTP 550 mailbox unavailable': the code and the first line of the server's answer."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return f"SMTP {code} {first_line}".strip()[:255]

