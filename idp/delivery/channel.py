"""The one interface every channel implements, and the message it carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """What to send: to an e-mail address or an E.164 number; ``subject`` and ``html`` are
    used by e-mail only."""

    to: str
    text: str
    subject: str = ""
    html: str | None = None


@dataclass(frozen=True)
class Sent:
    """A message the channel took: ``status`` is "sent" (SMTP accepted it) or "accepted"
    (the SMS provider queued it), with the provider's id when it gives one."""

    status: str
    provider_id: str | None = None


class DeliveryFailed(Exception):
    """The channel could not send the message; ``reason`` says why, for the audit trail."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Channel(Protocol):
    """Sends a message or raises DeliveryFailed."""

    name: str

    def send(self, message: Message) -> Sent: ...
