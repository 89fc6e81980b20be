"""Sign-in screens, first step: identifier and password (with the factor choice), consent,
cancel. The second factor's screens are in ``factor_views``."""

from __future__ import annotations

from datetime import datetime
from math import ceil

from authlib.oauth2.rfc6749 import scope_to_list
from flask import current_app, make_response, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .. import audit
from ..accounts.consents import grant_consent
from ..accounts.lockout import SignInDelayed
from ..accounts.users import check_password, identifier_of
from ..factors.registry import DEFAULT_FACTOR, choices_for
from ..i18n import clock_time
from ..models.base import utcnow
from ..sessions import pending as pending_requests
from ..sessions.sso import current_session
from ..upstreams import PSC, configured_upstreams
from .devices import known_device, remember_sign_in
from .factor_views import begin_factor, factor_page
from .flow import await_second_factor, complete_authentication
from .limits import failures_per_ip, note_failed_step, per_identifier, per_ip
from .screens import back_to_protocol, bp, expired, page, param, pending_request, take_notice

LOGIN_FAILED = _l("Identifiant ou mot de passe incorrect.")
SCOPE_LABELS = {
    "openid": _l("Vous identifier"),
    "profile": _l("Connaître vos nom et prénom"),
    "email": _l("Connaître votre adresse MSSanté"),
    "phone": _l("Connaître votre numéro de téléphone mobile"),
    "mailboxes": _l("Connaître les boîtes aux lettres que vous pouvez ouvrir"),
    "offline_access": _l("Garder l'accès lorsque vous n'êtes pas connecté"),
}


@bp.get("/<uid>")
def start(uid: str):
    pending, client = pending_request(uid)
    if pending.prompt == "consent":
        return _consent_page(pending, client)
    if pending.prompt == "mfa":
        sso = current_session()
        if sso is None:
            expired()
        await_second_factor(pending, sso.user, list(sso.amr))
        return factor_page(pending, client, sso.user)
    return _login_page(pending, client, username=param(pending, "login_hint")[:254],
                       error=take_notice(pending.uid))


@bp.post("/<uid>/login")
@per_ip
@failures_per_ip
@per_identifier
def login(uid: str):
    pending, client = pending_request(uid)
    username = request.form.get("username", "")[:254]
    try:
        user = check_password(username, request.form.get("password", ""),
                              device=known_device(identifier_of(username)))
    except SignInDelayed as delayed:
        note_failed_step()
        return _delayed_page(pending, client, username, delayed.until)
    if user is None:
        note_failed_step()
        return _login_page(pending, client, username=username, error=str(LOGIN_FAILED),
                           factor=request.form.get("factor"))
    remember_sign_in(user.email)
    if pending.required_acr == "pwd":
        return complete_authentication(pending, user, "pwd", ["pwd"])
    await_second_factor(pending, user, ["pwd"])
    return begin_factor(pending, client, user, request.form.get("factor") or DEFAULT_FACTOR)


@bp.post("/<uid>/consent")
def consent(uid: str):
    pending, client = pending_request(uid)
    sso = current_session()
    if sso is None:
        expired()
    if request.form.get("decision") != "allow":
        audit.record("consent.denied", user_id=sso.user_id, client_id=client.client_id)
        pending_requests.fail(pending, "access_denied")
        return back_to_protocol(pending)
    grant_consent(sso.user_id, client.client_id,
                  client.get_allowed_scope(param(pending, "scope")))
    return back_to_protocol(pending)


@bp.post("/<uid>/abort")
def cancel(uid: str):
    pending, client = pending_request(uid)
    audit.record("login.cancelled", client_id=client.client_id)
    pending_requests.fail(pending, "access_denied")
    return back_to_protocol(pending)


def _login_page(pending, client, username="", error=None, factor=None):
    return page(
        "interaction/login.html",
        pending=pending,
        client=client,
        username=username,
        error=error,
        choices=choices_for(None) if pending.required_acr == "mfa" else [],
        chosen=factor or DEFAULT_FACTOR,
        upstreams=[upstream for upstream in configured_upstreams(current_app.config).values()
                   if upstream.name != PSC],  # Pro Santé Connect has its own button
    )


def _delayed_page(pending, client, username: str, until: datetime):
    """The sign-in screen of an address whose password step waits (429, with Retry-After):
    the same for every address, known or not."""
    message = gettext("Trop d'essais pour ce compte. Réessayez à %(time)s ou réinitialisez "
                      "votre mot de passe.", time=clock_time(until))
    seconds = max(1, ceil((until - utcnow()).total_seconds()))
    response = make_response(_login_page(pending, client, username=username, error=message,
                                         factor=request.form.get("factor")), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def _consent_page(pending, client):
    scopes = scope_to_list(client.get_allowed_scope(param(pending, "scope")))
    return page(
        "interaction/consent.html",
        pending=pending,
        client=client,
        scopes=[str(SCOPE_LABELS.get(s, s)) for s in scopes],
    )
