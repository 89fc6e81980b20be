"""Sign-in screens, second step without the phone: a recovery code instead of a factor.

Reachable like the code screen, only after the first step passed in this browser for this
request. A right unused code is burnt and signs in at ``mfa``; a wrong one counts against the
same lockout counter as a wrong one-time code.

The amr: RFC 8176 has no value for a static single-use code. It is not ``otp`` (nothing is
generated per sign-in) nor ``kba`` (no personal questions); it is a second secret the person
knows, written down in advance, i.e. a password: ``pwd`` (already there from the first step,
kept once), plus ``mfa`` because two independent secrets were shown.
"""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from ..factors import recovery as recovery_codes
from .code_step import (
    blocked_message,
    code_accepted,
    code_count,
    code_refused,
    second_factor_step,
)
from .flow import complete_authentication
from .limits import checks_a_code
from .screens import bp, page

WRONG_CODE = _l("Code de secours incorrect ou déjà utilisé.")


@bp.get("/<uid>/recovery")
def recovery(uid: str):
    pending, client, _state, _user = second_factor_step(uid)
    return _recovery_page(pending, client)


@bp.post("/<uid>/recovery")
@checks_a_code
def check_recovery_code(uid: str):
    pending, client, state, user = second_factor_step(uid)
    count = code_count(user)
    blocked = blocked_message(user, count)
    if blocked:
        return _recovery_page(pending, client, blocked)
    if recovery_codes.use(user, request.form.get("code", "")):
        code_accepted(user, count, "recovery", remaining=recovery_codes.remaining(user))
        return complete_authentication(pending, user, "mfa", [*state["amr"], "pwd", "mfa"])
    code_refused(user, "recovery", "wrong")
    return _recovery_page(pending, client, str(WRONG_CODE))


def _recovery_page(pending, client, error=None):
    return page("interaction/recovery.html", pending=pending, client=client, error=error)
