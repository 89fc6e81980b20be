"""One-time-code challenges shared by the e-mail and SMS factors.

A code is 6 digits from ``secrets``, stored as a keyed hash, valid OTP_TTL_SECONDS, usable once
(one conditional UPDATE), and OTP_MAX_ATTEMPTS wrong codes end the challenge. A new challenge
supersedes every older one of the person; asking again within a challenge waits
OTP_RESEND_COOLDOWN_SECONDS; at most OTP_HOURLY_CAP codes leave per person per hour.

The keyed hash uses SECRET_KEY alone (not PREVIOUS_SECRET_KEYS): a code lives minutes, so one
sent just before a rotation of SECRET_KEY is refused and the person asks for another.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update

from .. import audit
from ..delivery.channel import Message
from ..delivery.records import deliver
from ..extensions import db
from ..models import Delivery, OtpChallenge, User
from ..models.base import utcnow
from ..security import keyed_digest
from ..single_use import use_once

CODE_DIGITS = 6
#: OTP_HOURLY_CAP counts the codes sent within this window (the deliveries naming a challenge).
HOURLY_CAP_WINDOW = timedelta(hours=1)


class ChallengeError(Exception):
    """A code could not be sent; ``message`` tells the person what to do (in their language)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Verdict:
    """The outcome of a typed code: ``ok``, or why not and how many tries are left."""

    ok: bool
    reason: str = ""
    attempts_left: int = 0

    @property
    def ends_challenge(self) -> bool:
        """True when no code will be accepted any more: a new code must be asked for."""
        return not self.ok and self.reason not in ("wrong", "replayed", "clock_off")


def new_code() -> str:
    """A code to send: CODE_DIGITS digits from ``secrets``, leading zeros kept."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(challenge_id: int, code: str) -> str:
    """Keyed hash of a code: a copy of the database does not reveal codes (10^6 are few)."""
    return keyed_digest(f"{challenge_id}:{code}")


def begin(user: User, channel: str, compose: Callable[[User, str], Message]) -> OtpChallenge:
    """Start a challenge: supersede older ones, send a new code through ``channel``."""
    _check_hourly_cap(user)
    now = utcnow()
    db.session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.user_id == user.id, OtpChallenge.ended_at.is_(None))
        .values(ended_at=now, end_reason="superseded")
    )
    challenge = OtpChallenge(user_id=user.id, channel=channel, code_hash="", created_at=now,
                             sent_at=now, expires_at=now)
    db.session.add(challenge)
    db.session.flush()
    _send(user, challenge, compose)
    return challenge


def resend(user: User, challenge: OtpChallenge,
           compose: Callable[[User, str], Message]) -> OtpChallenge:
    """Send a fresh code within the challenge, once the cooldown has passed."""
    wait = seconds_before_resend(challenge)
    if wait:
        raise ChallengeError(gettext(
            "Veuillez patienter %(wait)s secondes avant de demander un autre code.", wait=wait))
    _check_hourly_cap(user)
    _send(user, challenge, compose)
    return challenge


def seconds_before_resend(challenge: OtpChallenge) -> int:
    """Seconds left before the code of ``challenge`` may be sent again."""
    cooldown = timedelta(seconds=current_app.config["OTP_RESEND_COOLDOWN_SECONDS"])
    left = (challenge.sent_at + cooldown - utcnow()).total_seconds()
    return max(0, int(left + 0.999))


def verify(challenge: OtpChallenge | None, code: str) -> Verdict:
    """Check a typed code; the right one ends the challenge, so it works once."""
    if challenge is None:
        return Verdict(False, "ended")
    now = utcnow()
    code = (code or "").strip().replace(" ", "")
    well_formed = code.isascii() and code.isdigit() and len(code) == CODE_DIGITS
    if well_formed and _end(challenge.id, "used", OtpChallenge.expires_at > now,
                            OtpChallenge.code_hash == code_digest(challenge.id, code)):
        db.session.commit()  # single use, settled at once: a concurrent try finds it used
        return Verdict(True)
    db.session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.ended_at.is_(None))
        .values(attempts=OtpChallenge.attempts + 1)
    )
    state = db.session.execute(
        db.select(OtpChallenge.end_reason, OtpChallenge.expires_at, OtpChallenge.attempts)
        .where(OtpChallenge.id == challenge.id)
    ).one()
    if state.end_reason:
        verdict = Verdict(False, state.end_reason)
    elif state.expires_at <= now:
        _end(challenge.id, "expired")
        verdict = Verdict(False, "expired")
    else:
        left = current_app.config["OTP_MAX_ATTEMPTS"] - state.attempts
        if left <= 0:
            _end(challenge.id, "too_many_attempts")
        verdict = Verdict(False, "wrong" if left > 0 else "too_many_attempts", max(left, 0))
    db.session.commit()  # the wrong try counts at once, whatever the request does next
    return verdict


def _end(challenge_id: int, reason: str, *conditions) -> bool:
    """End an open challenge (when ``conditions`` hold); False if it was no longer open."""
    return use_once(OtpChallenge.ended_at, OtpChallenge.id == challenge_id, *conditions,
                    end_reason=reason)


def open_challenge(challenge_id: int | None, user_id: int) -> OtpChallenge | None:
    """The person's challenge ``challenge_id`` if it can still be answered."""
    if not isinstance(challenge_id, int):
        return None
    return db.session.scalar(
        db.select(OtpChallenge).where(
            OtpChallenge.id == challenge_id, OtpChallenge.user_id == user_id,
            OtpChallenge.ended_at.is_(None),
        )
    )


def _send(user: User, challenge: OtpChallenge, compose) -> None:
    now = utcnow()
    code = new_code()
    challenge.code_hash = code_digest(challenge.id, code)
    challenge.sent_at = now
    challenge.expires_at = now + timedelta(seconds=current_app.config["OTP_TTL_SECONDS"])
    record = deliver(user, challenge.channel, compose(user, code), challenge_id=challenge.id)
    if record.status == "failed":
        _end(challenge.id, "delivery_failed")
        raise ChallengeError(str(FAILED_DELIVERY[challenge.channel]))


def _check_hourly_cap(user: User) -> None:
    since = utcnow() - HOURLY_CAP_WINDOW
    sent = db.session.scalar(
        db.select(func.count(Delivery.id)).where(
            Delivery.user_id == user.id, Delivery.created_at > since, Delivery.status != "failed",
            Delivery.challenge_id.is_not(None),  # codes only: links and notices do not count
        )
    )
    if sent >= current_app.config["OTP_HOURLY_CAP"]:
        audit.record("otp.hourly_cap_reached", user_id=user.id)
        raise ChallengeError(gettext(
            "Trop de codes ont été envoyés pour ce compte dans la dernière heure. "
            "Réessayez plus tard ou utilisez Google Authenticator."
        ))


FAILED_DELIVERY = {
    "email": _l("L'envoi du code par e-mail a échoué. Réessayez ou choisissez un autre moyen."),
    "sms": _l("L'envoi du code par SMS a échoué. Réessayez ou choisissez un autre moyen."),
}
