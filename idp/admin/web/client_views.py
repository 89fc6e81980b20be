"""Clients (applications) in the administration, for administrators only: the list, one
client, registration, edits, a new secret, disabling and enabling. A secret is shown once, on
the page that answers the POST which made it (never in a flash message: the session cookie is
readable by the browser); only its digest is kept."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext

from ...errors import Conflict, IdpError, ValidationError
from ...extensions import db
from .. import clients
from ..actors import ADMIN_ONLY, Actor
from . import bp
from .access import admin_required, form_text, page, status_of
from .account_views import organisations_for


def _lines(name: str) -> list[str]:
    """The non-empty lines of a text area (one URI a line)."""
    return [line.strip() for line in request.form.get(name, "")[:20_000].splitlines()
            if line.strip()]


def _editable_fields() -> dict:
    """What the edit and registration forms share, in the services' terms."""
    return {
        "name": form_text("name", 255),
        "redirect_uris": _lines("redirect_uris"),
        "post_logout_redirect_uris": _lines("post_logout_redirect_uris"),
        "backchannel_logout_uri": form_text("backchannel_logout_uri", 2048) or None,
        "min_acr": form_text("min_acr", 16),
        "first_party": request.form.get("first_party") == "on",
        "resource_server": request.form.get("resource_server") == "on",
        "admin_role": form_text("admin_role", 16) or None,
        "admin_organisation": form_text("admin_organisation", 64) or None,
    }


def _choices(actor: Actor) -> dict:
    return {**clients.registration_choices(), "organisations": organisations_for(actor)}


@bp.get("/applications")
@admin_required(ADMIN_ONLY)
def clients_list(actor):
    return page("admin/clients.html", clients=clients.list_clients(actor))


@bp.get("/applications/nouvelle")
@admin_required(ADMIN_ONLY)
def new_client(actor):
    return _registration_form(actor)


@bp.post("/applications/nouvelle")
@admin_required(ADMIN_ONLY)
def register_client(actor):
    fields = _editable_fields()
    try:
        registered = clients.register(
            actor, fields.pop("name"), admin_organisation=fields.pop("admin_organisation"),
            grant_type=form_text("grant_type", 32), auth_method=form_text("auth_method", 32),
            scope=form_text("scope", 1024), jwks=request.form.get("jwks", "")[:20_000].strip()
            or None, **fields)
    except (ValidationError, Conflict) as refused:
        db.session.rollback()
        return _registration_form(actor, refused)
    return page("admin/client_secret.html", client=registered.client,
                secret=registered.client_secret, created=True)


def _registration_form(actor: Actor, refused: IdpError | None = None):
    return page("admin/client_new.html", status=status_of(refused) if refused else 200,
                error=refused.message if refused else None, form=request.form, **_choices(actor))


@bp.get("/applications/<client_id>")
@admin_required(ADMIN_ONLY)
def client(actor, client_id):
    return _client_page(actor, clients.get_client(actor, client_id))


def _client_page(actor: Actor, found, refused: IdpError | None = None):
    return page("admin/client.html", status=status_of(refused) if refused else 200,
                error=refused.message if refused else None, client=found,
                described=clients.describe(found), **_choices(actor))


@bp.post("/applications/<client_id>/modifier")
@admin_required(ADMIN_ONLY)
def update_client(actor, client_id):
    found = clients.get_client(actor, client_id)
    fields = _editable_fields()
    fields["admin_organisation"] = fields["admin_organisation"] or ""
    try:
        clients.update_client(actor, found.client_id, **fields)
    except (ValidationError, Conflict) as refused:
        db.session.rollback()
        return _client_page(actor, clients.get_client(actor, client_id), refused)
    flash(gettext("Les réglages de l'application sont enregistrés."))
    return redirect(url_for("admin.client", client_id=found.client_id))


@bp.post("/applications/<client_id>/secret")
@admin_required(ADMIN_ONLY)
def rotate_secret(actor, client_id):
    return _new_secret(actor, client_id, leaked=False)


@bp.post("/applications/<client_id>/secret-divulgue")
@admin_required(ADMIN_ONLY)
def replace_leaked_secret(actor, client_id):
    return _new_secret(actor, client_id, leaked=True)


def _new_secret(actor, client_id: str, leaked: bool):
    """The page showing the client's new secret once (a leaked one is refused at once)."""
    try:
        secret = clients.rotate_secret(actor, client_id, leaked=leaked)
    except ValidationError as refused:
        db.session.rollback()
        return _client_page(actor, clients.get_client(actor, client_id), refused)
    return page("admin/client_secret.html", client=clients.get_client(actor, client_id),
                secret=secret, created=False, leaked=leaked)


@bp.post("/applications/<client_id>/desactiver")
@admin_required(ADMIN_ONLY)
def disable_client(actor, client_id):
    found = clients.disable_client(actor, client_id)
    flash(gettext("L'application est désactivée ; ses jetons sont révoqués."))
    return redirect(url_for("admin.client", client_id=found.client_id))


@bp.post("/applications/<client_id>/activer")
@admin_required(ADMIN_ONLY)
def enable_client(actor, client_id):
    found = clients.enable_client(actor, client_id)
    flash(gettext("L'application est réactivée."))
    return redirect(url_for("admin.client", client_id=found.client_id))
