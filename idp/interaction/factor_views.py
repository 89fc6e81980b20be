"""Sign-in screens, second step: choose a factor, receive a code, type it.

Reachable only after the first step passed in this browser for this request (``flow``): the
password, or, for a step-up, the existing session.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext

from ..factors import otp
from ..factors.registry import DEFAULT_FACTOR, FACTORS, choices_for
from ..models import AuthorizationRequest, Client, User
from .code_step import (
    blocked_message,
    code_accepted,
    code_count,
    code_refused,
    second_factor_step,
)
from .flow import complete_authentication, update_second_factor_state
from .limits import checks_a_code, per_ip, per_person
from .screens import bp, page


def factor_page(pending: AuthorizationRequest, client: Client, user: User, error=None,
                chosen=None):
    """The choice of second factor, each with what to do when the person lacks it."""
    return page(
        "interaction/factor.html",
        pending=pending,
        client=client,
        choices=choices_for(user),
        chosen=chosen or DEFAULT_FACTOR,
        error=error,
    )


def begin_factor(pending: AuthorizationRequest, client: Client, user: User, name: str):
    """Start the chosen factor: send its code, then show the code screen."""
    factor = FACTORS.get(name)
    if factor is None or not factor.available(user):
        help_text = factor.missing_help(user) if factor else gettext("Choisissez un moyen proposé.")
        return factor_page(pending, client, user, error=help_text, chosen=name)
    try:
        challenge = factor.begin(user)
    except otp.ChallengeError as error:
        return factor_page(pending, client, user, error=error.message, chosen=name)
    update_second_factor_state(factor=name, challenge=challenge.id if challenge else None)
    return redirect(url_for("interaction.code", uid=pending.uid))


@bp.get("/<uid>/factor")
def factor_choice(uid: str):
    pending, client, _state, user = second_factor_step(uid)
    return factor_page(pending, client, user)


@bp.post("/<uid>/factor")
@per_ip
@per_person
def choose_factor(uid: str):
    pending, client, _state, user = second_factor_step(uid)
    return begin_factor(pending, client, user, request.form.get("factor") or DEFAULT_FACTOR)


@bp.get("/<uid>/code")
def code(uid: str):
    pending, client, state, user = second_factor_step(uid)
    if state.get("factor") not in FACTORS:
        return factor_page(pending, client, user)
    return _code_page(pending, client, state)


@bp.post("/<uid>/code")
@checks_a_code
def check_code(uid: str):
    pending, client, state, user = second_factor_step(uid)
    factor = FACTORS.get(state.get("factor"))
    if factor is None:
        return factor_page(pending, client, user)
    count = code_count(user)
    blocked = blocked_message(user, count)
    if blocked:
        return _code_page(pending, client, state, blocked)
    challenge = otp.open_challenge(state.get("challenge"), user.id)
    verdict = factor.verify(user, challenge, request.form.get("code", "")[:32])
    if verdict.ok:
        code_accepted(user, count, factor.name)
        return complete_authentication(pending, user, "mfa",
                                       [*state["amr"], *factor.amr, "mfa"])
    code_refused(user, factor.name, verdict.reason)
    if verdict.ends_challenge and state.get("challenge") is not None:
        return factor_page(pending, client, user, chosen=factor.name,
                           error=factor.refusal(verdict))
    return _code_page(pending, client, state, factor.refusal(verdict))


@bp.post("/<uid>/resend")
@per_ip
@per_person
def resend(uid: str):
    pending, client, state, user = second_factor_step(uid)
    factor = FACTORS.get(state.get("factor"))
    challenge = otp.open_challenge(state.get("challenge"), user.id)
    if factor is None or challenge is None:
        return factor_page(pending, client, user)
    try:
        otp.resend(user, challenge, factor.compose)
    except otp.ChallengeError as error:
        return _code_page(pending, client, state, error.message)
    return _code_page(pending, client, state, notice=gettext("Un nouveau code vous a été envoyé."))


def _code_page(pending, client, state, error=None, notice=None):
    factor = FACTORS[state["factor"]]
    return page(
        "interaction/code.html",
        pending=pending,
        client=client,
        factor=factor,
        can_resend=state.get("challenge") is not None,
        error=error,
        notice=notice,
    )
