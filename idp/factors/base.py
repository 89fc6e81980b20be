"""The one interface every second factor offers to the sign-in screens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..models import OtpChallenge, User
from .otp import Verdict


class Factor(Protocol):
    """A second factor: says whether a person has it, begins and verifies a challenge."""

    name: str  # the value of the sign-in form's ``factor`` field: email | sms | totp
    label: str  # what the sign-in screen shows
    amr: tuple[str, ...]  # RFC 8176 methods recorded when it succeeds

    def available(self, user: User) -> bool: ...

    def missing_help(self, user: User) -> str: ...

    def begin(self, user: User) -> OtpChallenge | None: ...

    def verify(self, user: User, challenge: OtpChallenge | None, code: str) -> Verdict: ...

    def refusal(self, verdict: Verdict) -> str: ...


@dataclass(frozen=True)
class Choice:
    """A factor as the screen offers it to one person."""

    factor: Factor
    available: bool
    help: str
