"""Development SMS channel: the message is written to the log instead of being sent."""

from __future__ import annotations

from flask import current_app

from .channel import Message, Sent


class OutboxChannel:
    """Writes each SMS to the app's log (SMS_BACKEND="outbox"; refused outside development,
    since the log would then hold codes)."""

    name = "sms"

    def send(self, message: Message) -> Sent:
        """Log the SMS at warning level, so it shows with the default logging set-up."""
        current_app.logger.warning("SMS (outbox, not sent) to %s: %s", message.to, message.text)
        return Sent("accepted")
