"""Accounts in the admin API: list, create, read, change, and the actions on an account
(password link, second factors, lockout, sessions, enable/disable). Each route checks the
request, then calls the service function the web area and the CLI call too."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import url_for
from pydantic import Field

from ...accounts import notification_email
from ...models import User
from .. import accounts
from ..actors import Actor, user_for
from . import answers
from .auth import current_actor
from .operations import action, operation
from .paging import PagedQuery, page_answer, position_of
from .shapes import Body, Page, QueryText, Text

ACCOUNTS = "Comptes"
ACCOUNT = {"address": "Adresse MSSanté du compte."}


class AccountFilters(PagedQuery):
    search: QueryText = Field(None, description="Partie de l'adresse MSSanté ou du nom de "
                                                "famille.")
    organisation: QueryText = Field(None, description="Identifiant de la structure "
                                                      "(FINESS...).")
    page: Page = Field(1, description=f"Page numérotée ({accounts.PAGE_SIZE} comptes par "
                                      "page), lue après la position donnée ; after et before "
                                      "vont aussi vite à toute page.")


class NewAccount(Body):
    address: Text = Field(description="Adresse MSSanté du compte.")
    name: Text = Field(description="« Prénom Nom ».")
    notification_email: Text = Field(description="Adresse de notification (codes, liens).")
    phone: Text | None = Field(None, description="Mobile au format international "
                                                 "(+33612345678).")
    organisation: Text | None = Field(None, description="Structure du compte (celle du "
                                                        "référent par défaut).")
    role: Text | None = Field(None, description="user, referent, support ou admin (rôles "
                                                "autres que user : administrateurs seulement).")


class AccountChanges(Body):
    name: Text = Field(None, description="« Prénom Nom ».")
    phone: Text | None = Field(None, description="Mobile au format international ; null ou "
                                                 "\"\" l'efface.")
    organisation: Text | None = Field(None, description="Structure (administrateurs) ; null "
                                                        "ou \"\" détache le compte.")
    role: Text = Field(None, description="user, referent, support ou admin (administrateurs).")
    notification_email: Text = Field(None, description="Nouvelle adresse de notification : "
                                                       "elle ne sert qu'une fois confirmée par "
                                                       "le lien qui lui est envoyé.")
    psc_national_id: Text | None = Field(None, description="Identifiant national Pro Santé "
                                                           "Connect ; null retire le lien.")


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


@operation("GET", "/users", "Lister les comptes visibles", tag=ACCOUNTS,
           query=AccountFilters, answer=answers.UserPage)
def list_users(query: AccountFilters):
    found = accounts.list_accounts(current_actor(), query.search or "", query.organisation,
                                   position_of(query), query.page)
    return page_answer(found, users_json(found.items), query.page, accounts.PAGE_SIZE)


@operation("POST", "/users", "Créer un compte", tag=ACCOUNTS, body=NewAccount,
           answer=answers.User, status=201, errors=(404, 409),
           description="La personne reçoit un lien pour choisir son mot de passe à son "
                       "adresse de notification.")
def create_user(body: NewAccount):
    options = body.model_dump(include={"phone", "organisation", "role"}, exclude_none=True)
    user = accounts.create_account(current_actor(), body.address, body.name,
                                   body.notification_email, **options)
    return user_json(user), {"Location": url_for(".get_user", address=user.email)}


@operation("GET", "/users/<address>", "Lire un compte", tag=ACCOUNTS, path=ACCOUNT,
           answer=answers.User, errors=(404,))
def get_user(address: str):
    return user_json(accounts.account(current_actor(), address))


@operation("PATCH", "/users/<address>", "Modifier un compte", tag=ACCOUNTS, path=ACCOUNT,
           body=AccountChanges, answer=answers.User, errors=(404, 409),
           description="Seuls les champs donnés changent. notification_email lance la "
                       "confirmation : un lien est envoyé à la nouvelle adresse, l'ancienne "
                       "sert jusqu'à ce qu'il soit suivi (pending_notification_email).")
def update_user(address: str, body: AccountChanges):
    """Change what the body names, as one unit of work: a part refused, even the last one,
    leaves nothing changed. The Pro Santé Connect link (which may conflict with another
    account's) goes first and the new notification address last (its e-mails leave once
    the whole change is saved)."""
    sent = body.sent()
    actor = current_actor()
    if "psc_national_id" in sent:
        accounts.set_psc_identity(actor, address, sent["psc_national_id"])
    changes = {name: "" if sent[name] is None else sent[name]
               for name in ("name", "phone", "organisation", "role") if name in sent}
    if changes:
        accounts.update_account(actor, address, **changes)
    if "notification_email" in sent:
        accounts.change_notification_email(actor, address, sent["notification_email"])
    return user_json(user_for(actor, address))


def _account_action(path: str, summary: str, service: Callable[[Actor, str], User]) -> None:
    """POST /users/{address}/<path>: ``service`` acts on the account, which answers."""
    action(f"/users/<address>/{path}", summary,
           lambda actor, address: user_json(service(actor, address)),
           endpoint=f"account_{path.replace('-', '_')}", tag=ACCOUNTS, path=ACCOUNT,
           answer=answers.User)


_account_action("password-reset", "Envoyer un lien de nouveau mot de passe",
                accounts.send_password_reset)
_account_action("factors-reset", "Retirer l'application d'authentification et les codes de "
                "secours", accounts.reset_factors)
_account_action("unlock", "Lever les délais après échecs", accounts.unlock)
_account_action("disable", "Désactiver le compte (ses sessions se terminent)",
                partial(accounts.set_enabled, enabled=False))
_account_action("enable", "Réactiver le compte", partial(accounts.set_enabled, enabled=True))


def _end_sessions(actor: Actor, address: str) -> dict[str, Any]:
    ended = accounts.end_sessions(actor, address)
    return {"address": user_for(actor, address).email, "sessions_ended": ended}


action("/users/<address>/sessions-end", "Terminer toutes les sessions", _end_sessions,
       endpoint="account_sessions_end", tag=ACCOUNTS, path=ACCOUNT,
       answer=answers.SessionsEnded)
