"""Send a message through the configured channel and keep a delivery record of it.

Every code sent leaves a record (channel, masked destination, time, status and, on failure, the
reason) that support staff read, and an audit event. A failed delivery is an answer, not an
error: the caller reads ``Delivery.status`` and offers another factor.
"""

from __future__ import annotations

from flask import current_app

from .. import audit
from ..extensions import db
from ..models import Delivery, User
from .channel import Channel, DeliveryFailed, Message
from .mail import MailChannel, SmtpServer
from .masking import mask
from .outbox import OutboxChannel


def deliver(user: User, channel: str, message: Message, challenge_id: int | None = None
            ) -> Delivery:
    """Send ``message`` to ``user`` by "email" or "sms", record the outcome, audit it.

    One of the early commits of the unit of work (``unit_of_work``), on purpose: what the caller
    prepared (the code, the link) is committed before the message leaves, so that nothing stays
    locked while it travels and a message never names what was not saved; the record is
    committed after, so that it survives whatever the caller does next. Never raises for a
    delivery failure: the returned record says "failed" and why.
    """
    db.session.commit()  # saved before the message leaves (see above)
    sender = _channel(channel)
    destination = mask(message.to)
    try:
        sent = sender.send(message)
    except DeliveryFailed as failure:
        current_app.logger.warning("%s delivery to %s failed: %s", channel, destination,
                                   failure.reason)
        status, reason, provider_id = "failed", failure.reason[:255], None
        audit.record("delivery.failed", user_id=user.id, channel=channel,
                     destination=destination, reason=reason)
    else:
        status, reason, provider_id = sent.status, None, sent.provider_id
        audit.record("delivery.sent", user_id=user.id, channel=channel,
                     destination=destination, status=status)
    delivery = Delivery(user_id=user.id, challenge_id=challenge_id, channel=channel,
                        destination=destination, status=status, reason=reason,
                        provider_id=provider_id)
    db.session.add(delivery)
    db.session.commit()  # the record of the attempt outlives the caller's request
    return delivery


def latest_deliveries(user_id: int, limit: int = 20) -> list[Delivery]:
    """The latest delivery records of one person, newest first, for support staff."""
    return list(
        db.session.scalars(
            db.select(Delivery)
            .where(Delivery.user_id == user_id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
            .limit(limit)
        )
    )


def _channel(name: str) -> Channel:
    """The channel configured for "email" or "sms"."""
    config = current_app.config
    timeout = config["DELIVERY_TIMEOUT_SECONDS"]
    if name == "email":
        server = SmtpServer(config["MAIL_SERVER"], config["MAIL_PORT"],
                            use_tls=config["MAIL_USE_TLS"], use_ssl=config["MAIL_USE_SSL"],
                            username=config["MAIL_USERNAME"], password=config["MAIL_PASSWORD"])
        return MailChannel(server, config["MAIL_DEFAULT_SENDER"], timeout=timeout)
    if name == "sms" and config["SMS_BACKEND"] == "outbox":
        return OutboxChannel()
    if name == "sms":
        from .sms import TwilioChannel  # the twilio library loads with the first SMS (memory)

        return TwilioChannel(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                             config["TWILIO_FROM"], base_url=config["TWILIO_BASE_URL"],
                             timeout=timeout)
    raise ValueError(f"unknown delivery channel {name!r}")
