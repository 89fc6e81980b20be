"""Accounts in the administration: the list, one account, creation, and every action on an
account (edit, disable and enable, unlock, password link, second factors, sessions, Pro Santé
Connect identifier, notification e-mail change). Each action is a POST with its CSRF token that
calls one service of ``idp.admin.accounts`` (or ``accounts.notification_email``), then flashes
what happened and goes back to the account."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ...accounts import notification_email
from ...errors import Conflict, IdpError, ValidationError
from ...extensions import db
from ...models import Organisation, Role, User
from .. import accounts
from ..actors import ADMIN_ONLY, WRITE, Actor, users_visible_to
from . import bp
from .access import admin_required, form_text, may, page, status_of
from .paging import asked_position, pager_of

# Actions without fields: the service call and what to say once it is done.
BUTTONS = {
    "desactiver": (lambda actor, address: accounts.set_enabled(actor, address, False),
                   _l("Le compte est désactivé et ses sessions sont terminées.")),
    "activer": (lambda actor, address: accounts.set_enabled(actor, address, True),
                _l("Le compte est réactivé.")),
    "debloquer": (accounts.unlock, _l("Les blocages après échecs sont levés.")),
    "reinitialiser-mot-de-passe": (
        accounts.send_password_reset,
        _l("Un lien pour choisir un nouveau mot de passe a été envoyé à l'adresse de "
           "notification.")),
    "reinitialiser-facteurs": (
        accounts.reset_factors,
        _l("Google Authenticator et les codes de secours sont retirés.")),
    "terminer-sessions": (accounts.end_sessions, _l("Toutes les sessions sont terminées.")),
    "retirer-psc": (lambda actor, address: accounts.set_psc_identity(actor, address, None),
                    _l("L'identifiant Pro Santé Connect est retiré.")),
}


@bp.get("/comptes")
@admin_required()
def accounts_list(actor):
    search = request.args.get("q", "")[:254]
    organisation = request.args.get("structure", "")[:64] or None
    users = accounts.list_accounts(actor, search=search, organisation=organisation,
                                   position=asked_position())
    return page("admin/accounts.html", users=users.items, search=search,
                organisation=organisation, organisations=organisations_for(actor),
                links=pager_of(users))


@bp.get("/comptes/nouveau")
@admin_required(WRITE)
def new_account(actor):
    return _creation_form(actor)


@bp.post("/comptes/nouveau")
@admin_required(WRITE)
def create_account(actor):
    role = form_text("role", 16) or Role.USER.value
    try:
        user = accounts.create_account(
            actor, form_text("address"), form_text("name"), form_text("notification_email"),
            phone=form_text("phone", 32) or None,
            organisation=form_text("organisation", 64) or None, role=role)
    except (ValidationError, Conflict) as refused:
        db.session.rollback()
        return _creation_form(actor, refused)
    flash(gettext("Le compte %(address)s est créé. Un lien pour choisir son mot de passe a été "
                  "envoyé à %(notification)s.", address=user.email,
                  notification=user.notification_email))
    return redirect(url_for("admin.account", address=user.email))


def _creation_form(actor: Actor, refused: IdpError | None = None):
    return page("admin/account_new.html", status=status_of(refused) if refused else 200,
                error=refused.message if refused else None, form=request.form,
                organisations=organisations_for(actor), roles=_roles_for(actor))


@bp.get("/comptes/<address>")
@admin_required()
def account(actor, address):
    return _account_page(actor, accounts.account(actor, address))


def _account_page(actor: Actor, user: User, refused: IdpError | None = None):
    """One account: what the administration knows, and the actions the actor may take."""
    user_may_be_changed = may(actor, WRITE) and (
        user.role not in (Role.ADMIN.value, Role.SUPPORT.value) or may(actor, ADMIN_ONLY))
    return page(
        "admin/account.html", status=status_of(refused) if refused else 200,
        error=refused.message if refused else None, user=user,
        described=accounts.describe(user), pending=notification_email.pending_change(user),
        last_code=notification_email.last_code_delivery(user), actions=user_may_be_changed,
        organisations=organisations_for(actor), roles=_roles_for(actor),
        is_self=user.id == actor.user_id)


@bp.post("/comptes/<address>/modifier")
@admin_required(WRITE)
def update_account(actor, address):
    user = accounts.account(actor, address)
    typed = {"name": form_text("name", 260), "phone": form_text("phone", 32)}
    if may(actor, ADMIN_ONLY):  # organisation and role: administrators only
        typed.update(organisation=form_text("organisation", 64), role=form_text("role", 16))
    current = {"name": user.name, "phone": user.phone or "", "role": user.role,
               "organisation": user.organisation.code if user.organisation else ""}
    changes = {field: value for field, value in typed.items() if value != current[field]}
    if not changes:
        flash(gettext("Aucune modification."))
        return redirect(url_for("admin.account", address=user.email))
    return _act(actor, address, lambda: accounts.update_account(actor, address, **changes),
                gettext("Les informations du compte sont enregistrées."))


@bp.post("/comptes/<address>/psc")
@admin_required(WRITE)
def set_psc_identity(actor, address):
    national_id = form_text("national_id", 64)
    return _act(actor, address,
                lambda: accounts.set_psc_identity(actor, address, national_id),
                gettext("L'identifiant Pro Santé Connect est enregistré."))


@bp.post("/comptes/<address>/email-notification")
@admin_required(WRITE)
def request_notification_email(actor, address):
    new_address = form_text("notification_email")

    return _act(actor, address,
                lambda: accounts.change_notification_email(actor, address, new_address),
                lambda change: gettext(
        "Un lien de confirmation a été envoyé à %(address)s. L'adresse de notification changera "
        "quand il aura été ouvert.", address=change.new_address))


@bp.post("/comptes/<address>/<action>")
@admin_required(WRITE)
def account_action(actor, address, action):
    if action not in BUTTONS:
        abort(404)
    call, done = BUTTONS[action]
    return _act(actor, address, lambda: call(actor, address), str(done))


def _act(actor: Actor, address: str, call, done):
    """Run a service call on the account; on a refused input show the account again with the
    reason, else say ``done`` (text, or a function of the call's result) and go back to it.
    NotFound and Forbidden become their error pages (``access.domain_error``)."""
    try:
        result = call()
    except (ValidationError, Conflict) as refused:
        db.session.rollback()
        return _account_page(actor, accounts.account(actor, address), refused)
    flash(done(result) if callable(done) else done)
    return redirect(url_for("admin.account", address=address.strip().lower()))


def organisations_for(actor: Actor) -> list[Organisation]:
    """The organisations ``actor`` may filter on or place an account in."""
    query = db.select(Organisation).order_by(Organisation.name)
    if actor.limited_to_organisation:
        query = query.where(Organisation.id == actor.organisation_id)
    return list(db.session.scalars(query))


def _roles_for(actor: Actor) -> list[str]:
    """The roles ``actor`` may give: every one for an administrator, "user" otherwise."""
    return [r.value for r in Role] if may(actor, ADMIN_ONLY) else [Role.USER.value]


def visible_addresses(actor: Actor, addresses) -> set[str]:
    """Which of ``addresses`` are accounts ``actor`` may open (to link them in the records)."""
    wanted = {a for a in addresses if a}
    if not wanted:
        return set()
    return set(db.session.scalars(users_visible_to(actor).with_only_columns(User.email)
                                  .where(User.email.in_(wanted))))
