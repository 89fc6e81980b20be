"""What every code typed at sign-in shares (a sent code, the authenticator, a recovery code):
the person whose step it is, the code lockout, the audit, the failure-per-address count."""

from __future__ import annotations

from flask_babel import gettext

from .. import audit
from ..accounts import lockout
from ..extensions import db
from ..models import AuthorizationRequest, Client, User
from .flow import second_factor_state
from .limits import note_failed_step
from .screens import expired, pending_request


def second_factor_step(uid: str) -> tuple[AuthorizationRequest, Client, dict, User]:
    """The request, client, step state and person of a second-factor screen; the expired page
    unless the first step passed in this browser for this request."""
    pending, client = pending_request(uid)
    state = second_factor_state(pending)
    if state is None:
        expired()
    user = db.session.get(User, state["user_id"])
    if user is None or not user.is_active:
        expired()
    return pending, client, state, user


def code_count(user: User) -> lockout.Count:
    """The person's count of wrong codes, read once per code step: ``blocked_message`` and
    ``code_accepted`` take it."""
    return lockout.read(lockout.code_allowance(user.id))


def blocked_message(user: User, count: lockout.Count) -> str | None:
    """The French message when the person's code step is blocked by lockout, else None."""
    seconds = count.seconds_blocked
    if not seconds:
        return None
    note_failed_step()
    audit.record("login.code_blocked", user_id=user.id)
    return gettext("Trop de codes erronés. Réessayez dans %(minutes)s minute(s).",
                   minutes=-(-seconds // 60))


def code_accepted(user: User, count: lockout.Count, factor: str, **detail) -> None:
    """A right code: the code lockout starts again from zero."""
    lockout.reset(count)
    audit.record("login.code_ok", user_id=user.id, factor=factor, **detail)


def code_refused(user: User, factor: str, reason: str) -> None:
    """A wrong code: it counts against the person's lockout and the address's failures."""
    note_failed_step()
    lockout.record_failure(lockout.code_allowance(user.id))
    audit.record("login.code_failed", user_id=user.id, factor=factor, reason=reason)
