"""The SMTP side of the catcher: an aiosmtpd handler that keeps every e-mail it accepts."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from .store import MessageStore


class StoringHandler:
    """aiosmtpd handler: accepts every recipient and stores the parsed e-mail."""

    def __init__(self, store: MessageStore):
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:
        """Store the e-mail: From header, envelope recipients, subject, text and HTML bodies."""
        email = message_from_bytes(envelope.content, policy=policy.default)
        self.store.add(
            "email",
            **{"from": str(email.get("From") or envelope.mail_from)},
            to=list(envelope.rcpt_tos),
            subject=str(email.get("Subject", "")),
            text=_body(email, "plain"),
            html=_body(email, "html"),
        )
        return "250 Message accepted for delivery"


def _body(email: EmailMessage, subtype: str) -> str | None:
    part = email.get_body(preferencelist=(subtype,))
    return part.get_content().replace("\r\n", "\n") if part is not None else None
