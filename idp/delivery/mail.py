"""E-mail channel: a ``Message`` written as the standard library's ``EmailMessage`` and handed to
the SMTP server with ``smtplib``, every step bounded by a timeout."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .channel import DeliveryFailed, Message, Sent

# Bodies in quoted-printable or base64, lines of 76 characters at most: 7-bit, any relay takes
# them, with or without 8BITMIME.
COMPOSING = policy.SMTP.clone(cte_type="7bit")
# Headers on one line (RFC 5322 allows 998 characters): Python 3.11's folder moves or drops the
# spaces where it folds a subject between encoded words ("MSSanté é è à" arrived as
# "MSSantééèà"); our subjects are short, so they are not folded at all.
SENDING = COMPOSING.clone(max_line_length=998)


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
            self._hand_over(email)
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

    def _hand_over(self, email: EmailMessage) -> None:
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
            smtp.sendmail(_addresses(email, "From")[0], _addresses(email, "To"),
                          email.as_bytes(policy=SENDING))
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()  # the message is accepted: a failing goodbye changes nothing


def compose(message: Message, sender: str) -> EmailMessage:
    """The e-mail of ``message`` from ``sender``: text, with an HTML alternative when given."""
    email = EmailMessage(policy=COMPOSING)
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=email["From"].addresses[0].domain)
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email


def _addresses(email: EmailMessage, header: str) -> list[str]:
    """The bare addresses of a header, for the SMTP envelope."""
    return [address.addr_spec for address in email[header].addresses]


def _smtp_reason(code: int, text: bytes | str) -> str:
    """'SMTP 550 mailbox unavailable': the code and the first line of the server's answer."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return f"SMTP {code} {first_line}".strip()[:255]

