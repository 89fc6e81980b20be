"""What each job does, by name: the names services give ``jobs.later.after_commit``.

A job gets ids (and a sealed token) and rebuilds the rest from the database; it raises
``AttemptFailed`` when its work did not get done (what it recorded, such as its audit entry,
is kept), so that it is tried again later. ``give_up`` runs once a job has no retry left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..accounts import notification_email, password_reset
from ..jobs.payload import opened
from ..models import Delivery
from ..oidc import logout


class AttemptFailed(Exception):
    """This attempt did not do the job's work; ``reason`` holds no secret."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Job:
    """A job: what an attempt does, and what to do when the last retry has failed."""

    run: Callable[..., None]
    give_up: Callable[..., None] | None = None


def _delivered(delivery: Delivery | None) -> None:
    """A message that did not leave fails the attempt (None: nothing was left to send)."""
    if delivery is not None and delivery.status == "failed":
        raise AttemptFailed(f"delivery failed: {delivery.reason}")


def _password_link(link_id: int, token: str) -> None:
    _delivered(password_reset.mail_link(link_id, opened(token)))


def _password_changed(user_id: int) -> None:
    _delivered(password_reset.mail_password_changed(user_id))


def _notification_link(change_id: int, token: str) -> None:
    _delivered(notification_email.mail_link(change_id, opened(token)))


def _notification_link_not_sent(change_id: int, token: str) -> None:
    notification_email.withdraw_unsent(change_id)


def _notification_requested(change_id: int) -> None:
    _delivered(notification_email.mail_requested_notice(change_id))


def _notification_changed(user_id: int, previous: str) -> None:
    _delivered(notification_email.mail_changed_notice(user_id, previous))


def _backchannel_logout(session_id: int, client_id: str) -> None:
    if not logout.send_logout_token(session_id, client_id):
        raise AttemptFailed(f"client {client_id} did not take the logout token")


JOBS: dict[str, Job] = {
    "password_link": Job(_password_link),
    "password_changed": Job(_password_changed),
    "notification_link": Job(_notification_link, give_up=_notification_link_not_sent),
    "notification_requested": Job(_notification_requested),
    "notification_changed": Job(_notification_changed),
    "backchannel_logout": Job(_backchannel_logout),
}
