"""Completing an authentication: the one function every sign-in path ends in.

Local sign-in (password, then a second factor) and Pro Santé Connect (or any upstream) all
record the session's acr, amr and auth_time here, then hand the request back to the protocol.
"""

from __future__ import annotations

from flask import session

from ..models import AuthorizationRequest, User
from ..sessions.sso import remember_upstream_login, start_session
from .screens import back_to_protocol

SECOND_FACTOR_KEY = "second_factor"


def complete_authentication(pending: AuthorizationRequest, user: User, acr: str,
                            amr: list[str],
                            upstream: tuple[str, str, str | None] | None = None):
    """Record what the person proved and resume the authorization request. ``upstream`` is
    (name, ID token, end-session endpoint) of a brokered sign-in, kept to end the upstream
    session at logout."""
    session.pop(SECOND_FACTOR_KEY, None)
    sso = start_session(user, acr, list(dict.fromkeys(amr)))
    if upstream is not None:
        remember_upstream_login(sso, *upstream)
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
