"""Helpers of the delivery tests: a person to send codes to."""

from __future__ import annotations

from idp.accounts.users import create_user
from idp.models import User

NOTIFICATION_EMAIL = "alice@example.org"
MOBILE = "+33612345678"


def alice() -> User:
    """Alice Martin, with a notification e-mail and a mobile number (call inside an app context)."""
    return create_user("alice.martin@chu-test.mssante.fr", "Alice Martin", NOTIFICATION_EMAIL,
                       phone=MOBILE)
