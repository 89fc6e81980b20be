"""Client registration: validate, write, audit. Used by the CLI (and later the admin area)."""

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
from ..models import Client
from ..models.base import new_identifier
from ..security import digest, new_secret
from .grants import ALL_AUTH_METHODS
from .policy import ACR_LEVELS

GRANT_TYPES = ("authorization_code", "client_credentials")
DEFAULT_SCOPE = "openid profile email phone mailboxes offline_access"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


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
) -> RegisteredClient:
    """Register a relying party; returns it with its secret when it has one."""
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise ValidationError("Le nom de l'application est obligatoire (255 caractères au plus).")
    if grant_type not in GRANT_TYPES:
        raise ValidationError(f"Type d'autorisation inconnu : {grant_type}.")
    if auth_method not in ALL_AUTH_METHODS:
        raise ValidationError(f"Méthode d'authentification inconnue : {auth_method}.")
    if min_acr not in ACR_LEVELS:
        raise ValidationError(f"Niveau d'authentification inconnu : {min_acr} (pwd ou mfa).")
    if grant_type == "client_credentials":
        if redirect_uris or post_logout_redirect_uris:
            raise ValidationError("Un client « client_credentials » n'a pas d'URI de redirection.")
        if auth_method == "none":
            raise ValidationError("Un client « client_credentials » doit s'authentifier.")
    elif not redirect_uris:
        raise ValidationError("Au moins une URI de redirection est obligatoire.")
    scopes = scope_to_list(scope or "")
    unknown = set(scopes) - set(current_app.config["SCOPES_SUPPORTED"])
    if unknown or not scopes:
        raise ValidationError(f"Portée inconnue : {' '.join(sorted(unknown)) or '(vide)'}.")
    if id_token_alg and id_token_alg not in current_app.config["SIGNING_ALGS"]:
        raise ValidationError(f"Algorithme de signature non proposé : {id_token_alg}.")
    key_set = _key_set(jwks, auth_method)
    secret = new_secret() if auth_method in ("client_secret_basic", "client_secret_post") else None
    client = Client(
        client_id=new_identifier(),
        secret_hash=digest(secret) if secret else None,
        name=name,
        redirect_uris=[_uri(u) for u in redirect_uris],
        post_logout_redirect_uris=[_uri(u) for u in post_logout_redirect_uris],
        backchannel_logout_uri=_uri(backchannel_logout_uri) if backchannel_logout_uri else None,
        grant_types=[grant_type],
        scope=" ".join(scopes),
        token_endpoint_auth_method=auth_method,
        jwks=key_set,
        id_token_signed_response_alg=id_token_alg,
        min_acr=min_acr,
        first_party=first_party,
        resource_server=resource_server,
    )
    db.session.add(client)
    audit.record("client.created", client_id=client.client_id, name=name, grant_type=grant_type,
                 auth_method=auth_method)
    db.session.commit()
    return RegisteredClient(client, secret)


def _uri(value: str) -> str:
    """An absolute https URI (http only for this machine), without fragment."""
    parts = urlsplit(value or "")
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment or (
        parts.scheme == "http" and not local
    ) or len(value) > 2048:
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
