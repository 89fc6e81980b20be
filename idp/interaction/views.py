"""Sign-in screens: identify the person, record consent, then hand back to the protocol.

Every screen belongs to one pending authorization request of this browser (``uid``); a request
of another browser, or an expired one, cannot be continued.
"""

from __future__ import annotations

from typing import NoReturn

from authlib.oauth2.rfc6749 import scope_to_list
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import audit
from ..accounts.users import check_password
from ..extensions import db
from ..models import AuthorizationRequest, Client, Consent
from ..models.base import utcnow
from . import requests as pending_requests
from .sessions import current_session, start_session

bp = Blueprint("interaction", __name__, url_prefix="/interaction")

LOGIN_FAILED = "Identifiant ou mot de passe incorrect."
SCOPE_LABELS = {
    "openid": "Vous identifier",
    "profile": "Connaître vos nom et prénom",
    "email": "Connaître votre adresse MSSanté",
    "phone": "Connaître votre numéro de téléphone mobile",
    "mailboxes": "Connaître les boîtes aux lettres que vous pouvez ouvrir",
    "offline_access": "Garder l'accès lorsque vous n'êtes pas connecté",
}


def _expired() -> NoReturn:
    """Stop with the page telling the person to go back to the app and start again."""
    abort(make_response(render_template(
        "oidc/authorize_error.html",
        error="expired",
        description=None,
        support=current_app.config["SUPPORT_CONTACT"],
    ), 400))


def _pending(uid: str) -> tuple[AuthorizationRequest, Client]:
    pending = pending_requests.load(uid)
    if pending is None:
        _expired()
    client = db.session.scalar(db.select(Client).where(Client.client_id == pending.client_id))
    return pending, client


def _back_to_protocol(pending: AuthorizationRequest):
    return redirect(url_for("oidc.resume", uid=pending.uid))


def _param(pending: AuthorizationRequest, name: str) -> str:
    return (pending.params.get(name) or [""])[0]


@bp.get("/<uid>")
def start(uid: str):
    pending, client = _pending(uid)
    if pending.prompt == "consent":
        return _consent_page(pending, client)
    if pending.prompt == "mfa":
        # No second factor can be offered yet: the client is told its requirement is unmet.
        audit.record("login.mfa_unavailable", client_id=client.client_id)
        pending_requests.fail(pending, "unmet_authentication_requirements")
        return _back_to_protocol(pending)
    return _login_page(pending, client, username=_param(pending, "login_hint")[:254])


@bp.post("/<uid>/login")
def login(uid: str):
    pending, client = _pending(uid)
    username = request.form.get("username", "")[:254]
    user = check_password(username, request.form.get("password", ""))
    if user is None:
        return _login_page(pending, client, username=username, error=LOGIN_FAILED), 200
    start_session(user, "pwd", ["pwd"])
    return _back_to_protocol(pending)


@bp.post("/<uid>/consent")
def consent(uid: str):
    pending, client = _pending(uid)
    sso = current_session()
    if sso is None:
        _expired()
    if request.form.get("decision") != "allow":
        audit.record("consent.denied", user_id=sso.user_id, client_id=client.client_id)
        pending_requests.fail(pending, "access_denied")
        return _back_to_protocol(pending)
    scope = client.get_allowed_scope(_param(pending, "scope"))
    record = db.session.scalar(
        db.select(Consent).where(Consent.user_id == sso.user_id,
                                 Consent.client_id == client.client_id)
    )
    if record is None:
        record = Consent(user_id=sso.user_id, client_id=client.client_id, scope=scope)
        db.session.add(record)
    else:
        granted = set(scope_to_list(record.scope)) | set(scope_to_list(scope))
        record.scope = " ".join(sorted(granted))
    record.granted_at = utcnow()
    audit.record("consent.granted", user_id=sso.user_id, client_id=client.client_id, scope=scope)
    db.session.commit()
    return _back_to_protocol(pending)


@bp.post("/<uid>/abort")
def cancel(uid: str):
    pending, client = _pending(uid)
    audit.record("login.cancelled", client_id=client.client_id)
    pending_requests.fail(pending, "access_denied")
    return _back_to_protocol(pending)


def _login_page(pending, client, username="", error=None):
    return render_template(
        "interaction/login.html",
        uid=pending.uid,
        client=client,
        username=username,
        error=error,
        support=current_app.config["SUPPORT_CONTACT"],
    )


def _consent_page(pending, client):
    scopes = scope_to_list(client.get_allowed_scope(_param(pending, "scope")))
    return render_template(
        "interaction/consent.html",
        uid=pending.uid,
        client=client,
        scopes=[SCOPE_LABELS.get(s, s) for s in scopes],
    )
