"""Rate limits of the sign-in journey (Flask-Limiter), with the numbers of the settings.

Per IP address the limits are generous, because a hospital puts hundreds of people behind one
address: every sign-in post counts against ``RATELIMIT_SIGNIN_PER_IP``, and only failed steps
(a refused password, a wrong code) against ``RATELIMIT_FAILURES_PER_IP``. Per account they are
tight (``RATELIMIT_SIGNIN_PER_ACCOUNT``) but short-lived, and a browser that signed in to the
account before counts apart, so an attacker never holds its owner's browser back. The account
is the identifier typed, whether it exists or not, so the answer never tells which accounts
exist. A refused post gets the 429 page of ``errors`` with a Retry-After header.
"""

from __future__ import annotations

from flask import current_app, g, request, session

from ..accounts.users import identifier_of
from ..extensions import limiter
from .devices import known_device
from .flow import SECOND_FACTOR_KEY


def _setting(name: str):
    """The limit named ``name`` in the current app's settings, read at each request."""
    return lambda: current_app.config[name]


def typed_identifier() -> str:
    """The account a password step is for: the identifier typed, as accounts are looked up;
    a browser that signed in to it before has a count of its own (``devices``), so that
    strangers posting for an address never hold its owner's browser back."""
    identifier = identifier_of(request.form.get("username", "")[:254])
    device = known_device(identifier)
    return f"identifier:{identifier}" + (f":device:{device}" if device else "")


def second_factor_person() -> str:
    """The account a second-factor step is for: the person who passed the password step."""
    state = session.get(SECOND_FACTOR_KEY)
    user_id = state.get("user_id") if isinstance(state, dict) else None
    return f"person:{user_id}"  # without a first step the view answers "expired" anyway


def note_failed_step() -> None:
    """Count this request against the failures-per-address limit (a step that failed)."""
    g.sign_in_step_failed = True


def step_failed(_response) -> bool:
    """Whether this request's sign-in step failed (it then counts against the failure limit)."""
    return g.get("sign_in_step_failed", False)


#: Every sign-in post from one IP address (password, factor choice, code, new code).
per_ip = limiter.shared_limit(_setting("RATELIMIT_SIGNIN_PER_IP"), scope="sign-in")
#: Failed steps from one IP address (password and code steps).
failures_per_ip = limiter.shared_limit(_setting("RATELIMIT_FAILURES_PER_IP"),
                                       scope="sign-in-failures", deduct_when=step_failed)
#: Password steps for one identifier, from any address.
per_identifier = limiter.limit(_setting("RATELIMIT_SIGNIN_PER_ACCOUNT"),
                               key_func=typed_identifier)
#: Second-factor posts for one person, from any address.
per_person = limiter.shared_limit(_setting("RATELIMIT_SIGNIN_PER_ACCOUNT"),
                                  scope="second-factor", key_func=second_factor_person)


def checks_a_code(view):
    """The limits of a post that checks a code (sent, authenticator or recovery): every post
    and every failed step of the address, and the person's posts."""
    return per_ip(failures_per_ip(per_person(view)))
