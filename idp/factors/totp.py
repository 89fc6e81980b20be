"""Google Authenticator (TOTP). Nothing is sent: the app on the person's phone shows the code.

Enrolment from the account page is not built yet, so no account has an authenticator: the
factor is shown with what to do instead.
"""

from __future__ import annotations

from ..models import OtpChallenge, User
from .otp import Verdict


class Authenticator:
    """TOTP from an authenticator app (SHA-1, 6 digits, 30 s)."""

    name = "totp"
    label = "Google Authenticator"
    amr = ("otp",)

    def available(self, user: User) -> bool:
        return False

    def missing_help(self, user: User) -> str:
        return ("Google Authenticator n'est pas activé pour ce compte : "
                "choisissez Email ou SMS.")

    def begin(self, user: User) -> OtpChallenge | None:
        return None

    def verify(self, user: User, challenge: OtpChallenge | None, code: str) -> Verdict:
        return Verdict(False, "unavailable")
