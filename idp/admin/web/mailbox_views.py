"""Mailboxes (BAL) in the administration: organisational (ORG) and applicative (APP)
mailboxes of an organisation, who may open each, and whether opening one asks for a fresh
second factor. Support reads; referents act on their organisation's; each action calls one
service of ``idp.admin.mailboxes``, then flashes and goes back to the mailbox."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext

from ...accounts.mailboxes import SHARED_TYPES
from ...errors import Conflict, IdpError, ValidationError
from ...extensions import db
from .. import mailboxes
from ..actors import WRITE, Actor
from . import bp
from .access import admin_required, form_text, page, status_of
from .account_views import organisations_for


@bp.get("/boites")
@admin_required()
def mailboxes_list(actor):
    organisation = request.args.get("structure", "")[:64] or None
    return page("admin/mailboxes.html", mailboxes=mailboxes.list_mailboxes(actor, organisation),
                organisation=organisation, organisations=organisations_for(actor))


@bp.get("/boites/nouvelle")
@admin_required(WRITE)
def new_mailbox(actor):
    return _creation_form(actor)


@bp.post("/boites/nouvelle")
@admin_required(WRITE)
def create_mailbox(actor):
    try:
        created = mailboxes.create_mailbox(
            actor, form_text("address"), form_text("type", 8), form_text("name", 255),
            organisation=form_text("organisation", 64) or None,
            sensitive=request.form.get("sensitive") == "on")
    except (ValidationError, Conflict) as refused:
        db.session.rollback()
        return _creation_form(actor, refused)
    flash(gettext("La boîte %(address)s est créée. Donnez maintenant accès aux personnes qui "
                  "l'ouvriront.", address=created.address))
    return redirect(url_for("admin.mailbox", address=created.address))


def _creation_form(actor: Actor, refused: IdpError | None = None):
    return page("admin/mailbox_new.html", status=status_of(refused) if refused else 200,
                error=refused.message if refused else None, form=request.form,
                types=SHARED_TYPES, organisations=organisations_for(actor))


@bp.get("/boites/<address>")
@admin_required()
def mailbox(actor, address):
    return _mailbox_page(actor, address)


def _mailbox_page(actor: Actor, address: str, refused: IdpError | None = None):
    found = mailboxes.mailbox(actor, address)
    return page("admin/mailbox.html", status=status_of(refused) if refused else 200,
                error=refused.message if refused else None, mailbox=found,
                described=mailboxes.describe_mailbox(found),
                shared=found.type in SHARED_TYPES, can_change=mailboxes.may_change(actor, found))


@bp.post("/boites/<address>/modifier")
@admin_required(WRITE)
def update_mailbox(actor, address):
    return _act(actor, address, lambda: mailboxes.update_mailbox(
        actor, address, name=form_text("name", 255),
        sensitive=request.form.get("sensitive") == "on"),
        gettext("La boîte est enregistrée."))


@bp.post("/boites/<address>/acces")
@admin_required(WRITE)
def grant(actor, address):
    person = form_text("person")
    return _act(actor, address, lambda: mailboxes.grant(actor, address, person),
                lambda granted: gettext("%(person)s peut ouvrir cette boîte.", person=person)
                if granted else gettext("%(person)s pouvait déjà ouvrir cette boîte.",
                                        person=person))


@bp.post("/boites/<address>/retirer")
@admin_required(WRITE)
def revoke(actor, address):
    person = form_text("person")
    return _act(actor, address, lambda: mailboxes.revoke(actor, address, person),
                lambda revoked: gettext("%(person)s ne peut plus ouvrir cette boîte.",
                                        person=person) if revoked
                else gettext("%(person)s n'avait déjà pas accès à cette boîte.", person=person))


@bp.post("/boites/<address>/supprimer")
@admin_required(WRITE)
def delete_mailbox(actor, address):
    try:
        mailboxes.delete_mailbox(actor, address)
    except ValidationError as refused:
        db.session.rollback()
        return _mailbox_page(actor, address, refused)
    flash(gettext("La boîte %(address)s est supprimée.", address=address.strip().lower()))
    return redirect(url_for("admin.mailboxes_list"))


def _act(actor: Actor, address: str, call, done):
    """Run a service call on the mailbox; a refused input shows the mailbox again with the
    reason, else flash ``done`` (text, or a function of the result) and go back to it."""
    try:
        result = call()
    except (ValidationError, Conflict) as refused:
        db.session.rollback()
        return _mailbox_page(actor, address, refused)
    flash(done(result) if callable(done) else done)
    return redirect(url_for("admin.mailbox", address=address.strip().lower()))
