"""The factors the sign-in screen offers, in the order of the user guide.

Recovery codes are not one of them: they are the way out when the phone is lost, reached from
the factor choice (``interaction.recovery_views``), never a value of the ``factor`` field.
"""

from __future__ import annotations

from ..models import User
from .base import Choice, Factor
from .coded import CodeByEmail, CodeBySms
from .totp import Authenticator

FACTORS: dict[str, Factor] = {f.name: f for f in (CodeByEmail(), CodeBySms(), Authenticator())}
DEFAULT_FACTOR = "email"


def choices_for(user: User | None) -> list[Choice]:
    """Every factor, with whether this person has it and what to do when not.

    Before the password step the person is unknown: every factor is offered, and a missing
    one is explained after the password was checked (the screen reveals nothing earlier).
    """
    return [
        Choice(f, True if user is None else f.available(user),
               "" if user is None or f.available(user) else f.missing_help(user))
        for f in FACTORS.values()
    ]
