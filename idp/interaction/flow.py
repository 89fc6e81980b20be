"""Completing an authentication: the one function every sign-in path ends in.

Local sign-in (password, then a second factor) and, later, Pro Santé Connect all record the
session's acr, amr and auth_time here, then hand the request back to the protocol.
"""

from __future__ import annotations

from flask import session

from ..models import AuthorizationRequest, User
from .screens import back_to_protocol
from .sessions import start_session

SECOND_FACTOR_KEY = "second_factor"


def complete_authentication(pending: AuthorizationRequest, user: User, acr: str,
                            amr: list[str]):
    """Record what the person proved and resume the authorization request."""
    session.pop(SECOND_FACTOR_KEY, None)
    start_session(user, acr, list(dict.fromkeys(amr)))
    return back_to_protocol(pending)


def await_second_factor(pending: AuthorizationRequest, user: User, proven: list[str]) -> None:
    """Remember, in this browser only, that ``user`` passed the first step of ``pending``."""
    session[SECOND_FACTOR_KEY] = {"uid": pending.uid, "user_id": user.id, "amr": proven}


def second_factor_state(pending: AuthorizationRequest) -> dict | None:
    """This browser's second-factor step for ``pending``: None unless its first step passed
    here (a new tab of another browser, or a replayed form, cannot skip the password)."""
    state = session.get(SECOND_FACTOR_KEY)
    if not isinstance(state, dict) or state.get("uid") != pending.uid:
        return None
    return state


def update_second_factor_state(**changes) -> None:
    """Record the factor chosen and its challenge in the current second-factor step."""
    session[SECOND_FACTOR_KEY] = {**session[SECOND_FACTOR_KEY], **changes}
