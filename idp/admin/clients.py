"""Clients in the administration (platform administrators only): register, edit, rotate the
secret, disable and enable. Each action checks the actor, validates with the rules of
registration (``oidc.clients``), writes, audits and commits, as registration does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list
from flask import current_app
from sqlalchemy import update

from .. import audit
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import Client, Organisation, Token
from ..models.base import utcnow
from ..oidc.clients import (
    ADMIN_ROLES,
    DEFAULT_SCOPE,
    GRANT_TYPES,
    RegisteredClient,
    client_settings,
    editable_settings,
    register_client,
)
from ..oidc.grants import ALL_AUTH_METHODS
from ..oidc.policy import ACR_LEVELS
from ..security import digest, new_secret
from .actors import ADMIN_ONLY, Actor, organisation_for, require


def registration_choices() -> dict[str, Any]:
    """What a client's form offers: grant types, authentication methods, levels, admin roles
    and the scope given by default (the values registration accepts)."""
    return {"grant_types": GRANT_TYPES, "auth_methods": ALL_AUTH_METHODS,
            "acr_levels": list(ACR_LEVELS), "admin_roles": ADMIN_ROLES,
            "default_scope": DEFAULT_SCOPE}


def list_clients(actor: Actor) -> list[Client]:
    """Every client, disabled ones included, by name."""
    require(actor, ADMIN_ONLY)
    return list(db.session.scalars(db.select(Client).order_by(Client.name, Client.id)))


def get_client(actor: Actor, client_id: str) -> Client:
    """The client ``client_id``, disabled or not; NotFound when there is none."""
    require(actor, ADMIN_ONLY)
    client = None
    if isinstance(client_id, str):
        client = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
    if client is None:
        raise NotFound(f"L'application « {client_id} » n'existe pas.")
    return client


def describe(client: Client) -> dict[str, Any]:
    """What the administration shows of a client (never a secret), as JSON-ready values."""
    organisation = (db.session.get(Organisation, client.admin_organisation_id)
                    if client.admin_organisation_id else None)
    grace_end = client.previous_secret_expires_at
    return {
        "client_id": client.client_id,
        "name": client.name,
        "grant_types": client.grant_types,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "scope": client.scope,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "min_acr": client.min_acr,
        "first_party": client.first_party,
        "resource_server": client.resource_server,
        "admin_role": client.admin_role,
        "admin_organisation": organisation.code if organisation else None,
        "disabled": client.disabled,
        "previous_secret_expires_at": grace_end.isoformat() if grace_end and (
            grace_end > utcnow()) else None,
        "created_at": client.created_at.isoformat(),
    }


def register(actor: Actor, name: str, *, admin_organisation: str | None = None,
             **fields: Any) -> RegisteredClient:
    """Register a client (``register_client``'s fields; ``admin_organisation`` is the code of
    a service client's organisation)."""
    require(actor, ADMIN_ONLY)
    return register_client(name, admin_organisation=_organisation(actor, admin_organisation),
                           by=actor.name, **fields)


def update_client(actor: Actor, client_id: str, **changes: Any) -> Client:
    """Change some of a client's settings (``editable_settings``; ``admin_organisation`` as a
    code, empty to detach); the result must be a client registration would accept."""
    require(actor, ADMIN_ONLY)
    client = get_client(actor, client_id)
    current = editable_settings(client)
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError(f"Réglage inconnu ou non modifiable : {', '.join(sorted(unknown))}.")
    if "admin_organisation" in changes:
        changes["admin_organisation"] = _organisation(actor, changes["admin_organisation"])
    settings = client_settings(grant_type=client.grant_types[0],
                               scopes=scope_to_list(client.scope), **{**current, **changes})
    changed = sorted(column for column, value in settings.items()
                     if getattr(client, column) != value)
    for column in changed:
        setattr(client, column, settings[column])
    if changed:
        audit.record("client.updated", client_id=client.client_id, fields=changed,
                     by=actor.name)
    return client


def rotate_secret(actor: Actor, client_id: str, leaked: bool = False) -> str:
    """Give the client a new secret, returned once; the old one keeps working for
    CLIENT_SECRET_GRACE_SECONDS, time to deploy the new one. A ``leaked`` secret ends at once
    instead, and every token issued to the client is revoked (what a thief may have obtained)."""
    require(actor, ADMIN_ONLY)
    client = get_client(actor, client_id)
    if not client.secret_hash:
        raise ValidationError(f"L'application « {client.name} » n'a pas de secret "
                              f"(authentification {client.token_endpoint_auth_method}).")
    grace = 0 if leaked else current_app.config["CLIENT_SECRET_GRACE_SECONDS"]
    secret = new_secret()
    client.previous_secret_hash = None if leaked else client.secret_hash
    client.previous_secret_expires_at = None if leaked else utcnow() + timedelta(seconds=grace)
    client.secret_hash = digest(secret)
    detail = {"leaked": True, "revoked_tokens": _revoke_tokens(client)} if leaked else {}
    audit.record("client.secret_rotated", client_id=client.client_id, grace_seconds=grace,
                 **detail, by=actor.name)
    return secret


def disable_client(actor: Actor, client_id: str) -> Client:
    """Refuse the client everywhere from now on: it cannot authenticate, and the tokens it
    holds are revoked."""
    return _set_disabled(actor, client_id, True)


def enable_client(actor: Actor, client_id: str) -> Client:
    """Accept a disabled client again (the tokens revoked when it was disabled stay revoked)."""
    return _set_disabled(actor, client_id, False)


def _set_disabled(actor: Actor, client_id: str, disabled: bool) -> Client:
    """Disable or enable the client when it is not so already (audited); disabling revokes
    every token it holds."""
    require(actor, ADMIN_ONLY)
    client = get_client(actor, client_id)
    if client.disabled == disabled:
        return client
    client.disabled = disabled
    detail = {"revoked_tokens": _revoke_tokens(client)} if disabled else {}
    audit.record("client.disabled" if disabled else "client.enabled",
                 client_id=client.client_id, **detail, by=actor.name)
    return client


def _revoke_tokens(client: Client) -> int:
    """Revoke every live token issued to ``client``; how many."""
    return db.session.execute(
        update(Token)
        .where(Token.client_id == client.client_id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def _organisation(actor: Actor, code: str | None) -> Organisation | None:
    if not isinstance(code, str | None):
        raise ValidationError(f"Code de structure invalide : {code}.")
    return organisation_for(actor, code)
