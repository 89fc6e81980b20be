"""Accounts in the admin API: list, create, read, change, and the actions on an account
(password link, second factors, lockout, sessions, enable/disable). Each route checks the
request, then calls the service function the web area and the CLI call too."""

from __future__ import annotations

from typing import Any

from flask import url_for

from ...accounts import notification_email, validation
from ...errors import ValidationError
from ...extensions import db
from ...models import Role, User
from .. import accounts
from ..actors import ADMIN_ONLY, WRITE, Actor, organisation_for, require, user_for
from . import bp
from .auth import current_actor
from .schema import NO_FIELDS, Param, read_body, read_query, text

LIST_PARAMS = {
    "search": Param("string", "Partie de l'adresse MSSanté ou du nom de famille."),
    "organisation": Param("string", "Identifiant de la structure (FINESS...)."),
    "page": Param("page", f"Page de résultats ({accounts.PAGE_SIZE} comptes par page)."),
}
NEW_ACCOUNT = {
    "address": text("Adresse MSSanté du compte.", required=True),
    "name": text("« Prénom Nom ».", required=True),
    "notification_email": text("Adresse de notification (codes, liens).", required=True),
    "phone": text("Mobile au format international (+33612345678).", nullable=True),
    "organisation": text("Structure du compte (celle du référent par défaut).", nullable=True),
    "role": text("user, referent, support ou admin (rôles autres que user : "
                 "administrateurs seulement).", nullable=True),
}
CHANGES = {
    "name": text("« Prénom Nom »."),
    "phone": text("Mobile au format international ; null ou \"\" l'efface.", nullable=True),
    "organisation": text("Structure (administrateurs) ; null ou \"\" détache le compte.",
                         nullable=True),
    "role": text("user, referent, support ou admin (administrateurs)."),
    "notification_email": text("Nouvelle adresse de notification : elle ne sert qu'une fois "
                               "confirmée par le lien qui lui est envoyé."),
    "psc_national_id": text("Identifiant national Pro Santé Connect ; null retire le lien.",
                            nullable=True),
}


def user_json(user: User) -> dict[str, Any]:
    """An account as the API shows it: ``describe`` plus the address waiting for confirmation."""
    return users_json([user])[0]


def users_json(users: list[User]) -> list[dict[str, Any]]:
    """``user_json`` for a page of accounts, in a handful of queries whatever its length."""
    pending = notification_email.pending_changes(user.id for user in users)
    return [{**described, "pending_notification_email": {
        "address": pending[user.id].new_address,
        "expires_at": pending[user.id].expires_at.isoformat(timespec="seconds") + "Z",
    } if user.id in pending else None}
        for user, described in zip(users, accounts.describe_all(users), strict=True)]


@bp.get("/users")
def list_users():
    query = read_query(LIST_PARAMS)
    found = accounts.list_accounts(current_actor(), query["search"] or "",
                                   query["organisation"], query["page"])
    return {"items": users_json(found), "page": query["page"],
            "page_size": accounts.PAGE_SIZE}


@bp.post("/users")
def create_user():
    body = read_body(NEW_ACCOUNT)
    options = {name: body[name] for name in ("phone", "organisation", "role")
               if body.get(name) is not None}
    user = accounts.create_account(current_actor(), body["address"], body["name"],
                                   body["notification_email"], **options)
    return user_json(user), 201, {"Location": url_for(".get_user", address=user.email)}


@bp.get("/users/<address>")
def get_user(address: str):
    return user_json(accounts.account(current_actor(), address))


@bp.patch("/users/<address>")
def update_user(address: str):
    """Change what the body names. Rights and values are all checked before anything changes;
    the Pro Santé Connect link (which may conflict with another account's) goes first and the
    new notification address last (it sends mail)."""
    body = read_body(CHANGES)
    actor = current_actor()
    user = user_for(actor, address, WRITE)
    _check_changes(actor, user, body)
    if "psc_national_id" in body:
        accounts.set_psc_identity(actor, address, body["psc_national_id"])
    changes = {name: "" if body[name] is None else body[name]
               for name in ("name", "phone", "organisation", "role") if name in body}
    if changes:
        accounts.update_account(actor, address, **changes)
    user = user_for(actor, address)
    if "notification_email" in body:
        notification_email.request_change(user, body["notification_email"],
                                          requested_by=actor.name)
        db.session.commit()
    return user_json(user)


def _check_changes(actor: Actor, user: User, body: dict[str, Any]) -> None:
    """Refuse the whole change when one part of it would be refused (the services each
    commit, so a late refusal would leave the earlier parts done)."""
    if "organisation" in body or "role" in body:
        require(actor, ADMIN_ONLY)
    if "name" in body:
        validation.display_name(body["name"])
    if body.get("phone"):
        validation.phone_number(body["phone"])
    if body.get("organisation"):
        organisation_for(actor, body["organisation"])
    if "role" in body and body["role"] not in {role.value for role in Role}:
        raise ValidationError(f"Rôle inconnu : {body['role']} (user, referent, support ou admin).")
    if body.get("psc_national_id") is not None:
        validation.national_identifier(body["psc_national_id"])
    if "notification_email" in body:
        new = validation.email_address(body["notification_email"], "adresse de notification")
        if new in (user.email, user.notification_email):
            raise ValidationError(f"« {new} » ne peut pas devenir l'adresse de notification : "
                                  "c'est déjà l'adresse MSSanté ou de notification du compte.")


@bp.post("/users/<address>/password-reset")
def send_password_reset(address: str):
    read_body(NO_FIELDS)
    return user_json(accounts.send_password_reset(current_actor(), address))


@bp.post("/users/<address>/factors-reset")
def reset_factors(address: str):
    read_body(NO_FIELDS)
    return user_json(accounts.reset_factors(current_actor(), address))


@bp.post("/users/<address>/unlock")
def unlock_user(address: str):
    read_body(NO_FIELDS)
    return user_json(accounts.unlock(current_actor(), address))


@bp.post("/users/<address>/sessions-end")
def end_user_sessions(address: str):
    read_body(NO_FIELDS)
    actor = current_actor()
    ended = accounts.end_sessions(actor, address)
    return {"address": user_for(actor, address).email, "sessions_ended": ended}


@bp.post("/users/<address>/disable")
def disable_user(address: str):
    read_body(NO_FIELDS)
    return user_json(accounts.set_enabled(current_actor(), address, False))


@bp.post("/users/<address>/enable")
def enable_user(address: str):
    read_body(NO_FIELDS)
    return user_json(accounts.set_enabled(current_actor(), address, True))
