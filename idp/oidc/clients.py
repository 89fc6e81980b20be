"""Clients: registration, and the rules a client's settings follow (validate, write, audit).

Registration and later edits (the administration) check settings with the same
``client_settings``, so a client can never be edited into a state it could not be registered in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import scope_to_list
from flask import current_app
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .. import audit
from ..errors import ValidationError
from ..extensions import db
from ..models import Client, Organisation, Role
from ..models.base import new_identifier
from ..security import digest, new_secret
from .grants import ALL_AUTH_METHODS
from .policy import ACR_LEVELS, acr_at_least

GRANT_TYPES = ("authorization_code", "client_credentials")
DEFAULT_SCOPE = "openid profile email phone mailboxes offline_access"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
# The scope of the admin API: only for service clients that act with an admin role.
ADMIN_SCOPE = "admin"
# The level a person's token needs to use the admin API, as the admin web area asks.
ADMIN_ACR = "mfa"
ADMIN_ROLES = tuple(role.value for role in Role if role is not Role.USER)


@dataclass(frozen=True)
class RegisteredClient:
    """A new client and its secret (shown once; only its digest is stored)."""

    client: Client
    client_secret: str | None


def register_client(
    name: str,
    *,
    redirect_uris: list[str] = (),
    post_logout_redirect_uris: list[str] = (),
    grant_type: str = "authorization_code",
    auth_method: str = "client_secret_basic",
    min_acr: str = "mfa",
    scope: str = DEFAULT_SCOPE,
    first_party: bool = False,
    resource_server: bool = False,
    backchannel_logout_uri: str | None = None,
    jwks: str | dict | None = None,
    id_token_alg: str | None = None,
    admin_role: str | None = None,
    admin_organisation: Organisation | None = None,
    by: str | None = None,
) -> RegisteredClient:
    """Register a relying party (or a service client of the admin API, with ``admin_role``);
    returns it with its secret when it has one. ``by`` names who registered it in the audit."""
    if grant_type not in GRANT_TYPES:
        raise ValidationError(f"Type d'autorisation inconnu : {grant_type}.")
    if auth_method not in ALL_AUTH_METHODS:
        raise ValidationError(f"Méthode d'authentification inconnue : {auth_method}.")
    if grant_type == "client_credentials" and auth_method == "none":
        raise ValidationError("Un client « client_credentials » doit s'authentifier.")
    if not isinstance(scope, str | None):
        raise ValidationError("La portée est une liste de mots séparés par des espaces.")
    scopes = scope_to_list(scope or "")
    unknown = set(scopes) - set(current_app.config["SCOPES_SUPPORTED"]) - {ADMIN_SCOPE}
    if unknown or not scopes:
        raise ValidationError(f"Portée inconnue : {' '.join(sorted(unknown)) or '(vide)'}.")
    if id_token_alg and id_token_alg not in current_app.config["SIGNING_ALGS"]:
        raise ValidationError(f"Algorithme de signature non proposé : {id_token_alg}.")
    settings = client_settings(
        grant_type=grant_type, scopes=scopes, name=name, redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris, min_acr=min_acr,
        first_party=first_party, resource_server=resource_server,
        backchannel_logout_uri=backchannel_logout_uri, admin_role=admin_role,
        admin_organisation=admin_organisation,
    )
    key_set = _key_set(jwks, auth_method)
    secret = new_secret() if auth_method in ("client_secret_basic", "client_secret_post") else None
    client = Client(
        client_id=new_identifier(),
        secret_hash=digest(secret) if secret else None,
        grant_types=[grant_type],
        scope=" ".join(scopes),
        token_endpoint_auth_method=auth_method,
        jwks=key_set,
        id_token_signed_response_alg=id_token_alg,
        **settings,
    )
    db.session.add(client)
    db.session.flush()
    audit.record("client.created", client_id=client.client_id, name=client.name,
                 grant_type=grant_type, auth_method=auth_method, admin_role=client.admin_role,
                 by=by)
    return RegisteredClient(client, secret)


def editable_settings(client: Client) -> dict[str, Any]:
    """What may change after registration, in the form ``client_settings`` takes it."""
    return {
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "min_acr": client.min_acr,
        "first_party": client.first_party,
        "resource_server": client.resource_server,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "admin_role": client.admin_role,
        "admin_organisation": db.session.get(Organisation, client.admin_organisation_id)
        if client.admin_organisation_id else None,
    }


def client_settings(
    *,
    grant_type: str,
    scopes: list[str],
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    min_acr: str,
    first_party: bool,
    resource_server: bool,
    backchannel_logout_uri: str | None,
    admin_role: str | None,
    admin_organisation: Organisation | None,
) -> dict[str, Any]:
    """The settings of a client of ``grant_type`` and ``scopes``, checked together, as
    ``Client`` columns; ValidationError (French) for the first rule broken."""
    name = _name(name)
    redirect_uris, post_logout_redirect_uris = _redirect_uris(
        grant_type, redirect_uris, post_logout_redirect_uris)
    return {
        "name": name,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
        "min_acr": _acr(min_acr, grant_type, scopes),
        "first_party": _flag(first_party, "first_party"),
        "resource_server": _flag(resource_server, "resource_server"),
        "backchannel_logout_uri": _uri(backchannel_logout_uri) if backchannel_logout_uri else None,
        "admin_role": _admin_role(admin_role, admin_organisation, grant_type, scopes),
        "admin_organisation_id": admin_organisation.id if admin_organisation else None,
    }


def _name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 255:
        raise ValidationError("Le nom de l'application est obligatoire (255 caractères au plus).")
    return name


def _redirect_uris(grant_type: str, redirect_uris, post_logout_redirect_uris):
    """Redirect URIs: at least one for the code flow, none for a service client."""
    redirect_uris = _uris(redirect_uris)
    post_logout_redirect_uris = _uris(post_logout_redirect_uris)
    if grant_type == "client_credentials":
        if redirect_uris or post_logout_redirect_uris:
            raise ValidationError("Un client « client_credentials » n'a pas d'URI de redirection.")
    elif not redirect_uris:
        raise ValidationError("Au moins une URI de redirection est obligatoire.")
    return redirect_uris, post_logout_redirect_uris


def _uris(values) -> list[str]:
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValidationError("Les URI de redirection sont données en liste.")
    return [_uri(value) for value in values]


def _acr(min_acr: str, grant_type: str, scopes: list[str]) -> str:
    """The client's minimum level; people acting through the admin scope use two factors."""
    if not isinstance(min_acr, str) or min_acr not in ACR_LEVELS:
        raise ValidationError(f"Niveau d'authentification inconnu : {min_acr} (pwd ou mfa).")
    if (grant_type != "client_credentials" and ADMIN_SCOPE in scopes
            and not acr_at_least(min_acr, ADMIN_ACR)):
        raise ValidationError(
            f"Un client qui peut demander la portée « {ADMIN_SCOPE} » exige deux facteurs : "
            f"son niveau minimal est « {ADMIN_ACR} ».")
    return min_acr


def _flag(value: bool, label: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"« {label} » vaut vrai ou faux.")
    return value


def _admin_role(role: str | None, organisation: Organisation | None, grant_type: str,
                scopes: list[str]) -> str | None:
    """The admin role of a service client: its role goes with the admin scope and the scope
    with a role; a referent acts for one organisation, the other roles for every one. An
    authorization-code client may ask for the admin scope without a role: the token then acts
    with the role of the person who signed in."""
    if role:
        if role not in ADMIN_ROLES:
            raise ValidationError(
                f"Rôle d'administration inconnu : {role} ({', '.join(ADMIN_ROLES)}).")
        if grant_type != "client_credentials" or ADMIN_SCOPE not in scopes:
            raise ValidationError("Un rôle d'administration ne se donne qu'à un client "
                                  f"« client_credentials » de portée « {ADMIN_SCOPE} ».")
    elif ADMIN_SCOPE in scopes and grant_type == "client_credentials":
        raise ValidationError(
            f"Portée inconnue : {ADMIN_SCOPE}. Elle est réservée aux clients de l'API "
            "d'administration, qui ont un rôle d'administration.")
    referent = role == Role.REFERENT.value
    if referent and organisation is None:
        raise ValidationError("Un client de rôle referent doit être rattaché à une structure.")
    if organisation is not None and not referent:
        raise ValidationError("Seul un client de rôle referent est rattaché à une structure.")
    return role or None


def _uri(value: str) -> str:
    """An absolute https URI (http only for this machine), without fragment."""
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("https", "http") and bool(parts.netloc) and not parts.fragment
        valid = valid and (parts.scheme == "https" or parts.hostname in LOCAL_HOSTS)
    except (TypeError, ValueError, AttributeError):  # not text, or a malformed host
        valid = False
    if not valid or len(value) > 2048:
        raise ValidationError(
            f"URI invalide : « {value} » (https obligatoire, http seulement pour localhost, "
            "sans fragment)."
        )
    return value


def _key_set(jwks: str | dict | None, auth_method: str) -> dict[str, Any] | None:
    if auth_method != "private_key_jwt":
        if jwks:
            raise ValidationError("Des clés publiques ne servent qu'avec private_key_jwt.")
        return None
    if not jwks:
        raise ValidationError("private_key_jwt demande les clés publiques du client (JWKS).")
    try:
        data = json.loads(jwks) if isinstance(jwks, str) else jwks
        key_set = KeySet.import_key_set(data)
    except (ValueError, TypeError, JoseError) as exc:
        raise ValidationError(f"JWKS invalide : {exc}") from None
    if any(key.is_private for key in key_set.keys):
        raise ValidationError("Le JWKS ne doit contenir que des clés publiques.")
    return {"keys": [key.as_dict(private=False) for key in key_set.keys]}
