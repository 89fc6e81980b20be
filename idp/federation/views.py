"""Routes of a brokered sign-in, for each configured upstream (``psc`` for Pro Santé Connect):

- ``login?uid=``: from the sign-in screen of a pending request, off to the upstream;
- ``callback``: back from it; the answer verified, the linked account signed in (or, when the
  person started from their account page, the identity linked to it);
- ``link`` (POST, account page): a person signed in here with password and second factor links
  their upstream identity themselves;
- ``logged-out``: back from the upstream's logout, on to where our logout was going.

Every failure returns to the sign-in screen with a French message, is audited, and leaves no
session behind.
"""

from __future__ import annotations

import hmac

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from .. import audit
from ..accounts.federated_identities import user_for_identity
from ..errors import IdpError
from ..extensions import db
from ..interaction.flow import complete_authentication
from ..interaction.screens import leave_notice, page, pending_request
from ..sessions import pending as pending_requests
from ..sessions.sso import current_session, signed_in_here_with_two_factors
from ..upstreams import Upstream, configured_upstreams
from . import client
from .errors import AnswerRejected, Cancelled, FederationError
from .links import link_signed_in_person
from .logout import back_from_upstream

bp = Blueprint("federation", __name__, url_prefix="/federation")
FLIGHT_KEY = "federation_flight"  # what to check when the browser comes back


@bp.get("/<name>/login")
def login(name: str):
    upstream = _upstream(name)
    pending, _ = pending_request(request.args.get("uid", "")[:64])
    return _off_to(upstream, purpose="login", uid=pending.uid)


@bp.post("/<name>/link")
def link(name: str):
    upstream = _upstream(name)
    sso = current_session()
    if not signed_in_here_with_two_factors(sso):
        return redirect(url_for("account.overview"))
    return _off_to(upstream, purpose="link", user_id=sso.user_id)


@bp.get("/<name>/callback")
def callback(name: str):
    upstream = _upstream(name)
    flight = session.pop(FLIGHT_KEY, None)
    if not isinstance(flight, dict) or flight.get("upstream") != upstream.name:
        return _failed(upstream, None, AnswerRejected("no sign-in in progress"))
    if not hmac.compare_digest(str(flight.get("state")), request.args.get("state", "")):
        return _failed(upstream, flight, AnswerRejected("state"))
    if request.args.get("error"):
        return _failed(upstream, flight, Cancelled(f"error={request.args['error'][:64]}"))
    try:
        answer = client.finish(upstream, request.args.get("code", ""), flight)
    except FederationError as error:
        return _failed(upstream, flight, error)
    if flight.get("purpose") == "link":
        return _link(upstream, flight, answer)
    return _sign_in(upstream, flight, answer)


@bp.get("/<name>/logged-out")
def logged_out(name: str):
    _upstream(name)
    next_url = back_from_upstream(request.args.get("state", ""))
    if next_url:
        return redirect(next_url)
    return render_template("oidc/logged_out.html")


def _upstream(name: str) -> Upstream:
    upstream = configured_upstreams(current_app.config).get(name)
    if upstream is None:
        abort(404)
    return upstream


def _off_to(upstream: Upstream, **flight):
    try:
        url, remembered = client.authorization_url(upstream)
    except FederationError as error:
        return _failed(upstream, flight, error)
    session[FLIGHT_KEY] = {**remembered, **flight, "upstream": upstream.name}
    audit.record("federation.started", upstream=upstream.name, purpose=flight["purpose"])
    return redirect(url)


def _sign_in(upstream: Upstream, flight: dict, answer: client.UpstreamAnswer):
    pending, client_ = pending_request(flight.get("uid", ""))
    user = user_for_identity(upstream.name, answer.subject)
    if user is None or not user.is_active:
        audit.record("federation.unknown_identity" if user is None else "federation.disabled",
                     user_id=user.id if user else None, upstream=upstream.name,
                     subject=answer.subject)
        response = page("federation/unknown_identity.html", pending=pending, client=client_,
                        upstream=upstream, subject=answer.subject, disabled=user is not None)
        return response, 403
    audit.record("federation.signed_in", user_id=user.id, upstream=upstream.name,
                 acr=answer.acr)
    return complete_authentication(pending, user, answer.acr, [*answer.amr, "fed"],
                                   upstream=(upstream.name, answer.id_token,
                                             answer.end_session_endpoint))


def _link(upstream: Upstream, flight: dict, answer: client.UpstreamAnswer):
    sso = current_session()
    if not signed_in_here_with_two_factors(sso) or sso.user_id != flight.get("user_id"):
        return _failed(upstream, flight, AnswerRejected("link: not the same local session"))
    try:
        link_signed_in_person(sso, upstream, answer)
    except IdpError as error:
        db.session.rollback()
        audit.record("federation.link_refused", user_id=sso.user_id, upstream=upstream.name,
                     subject=answer.subject, reason=error.message)
        flash(error.message)
        return redirect(url_for("account.overview"))
    flash(gettext("Votre identité %(label)s est liée à votre compte : vous pouvez désormais "
                  "vous connecter avec %(label)s.", label=upstream.label))
    return redirect(url_for("account.overview"))


def _failed(upstream: Upstream, flight: dict | None, error: FederationError):
    """Audit the failure, then back to where the person came from, with the reason."""
    audit.record("federation.failed", upstream=upstream.name, reason=error.reason,
                 failure=type(error).__name__)
    message = error.shown(upstream)
    flight = flight or {}
    if flight.get("purpose") == "link":
        flash(message)
        return redirect(url_for("account.overview"))
    uid = flight.get("uid")
    if uid and pending_requests.load(uid) is not None:
        leave_notice(uid, message)
        return redirect(url_for("interaction.start", uid=uid))
    return render_template("error.html", title=gettext("Connexion interrompue"),
                           message=message,
                           support=current_app.config["SUPPORT_CONTACT"]), 400
