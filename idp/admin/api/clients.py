"""Clients in the admin API (platform administrators only): list, register, read, change,
rotate the secret, disable and enable. A secret is shown once, in the answer that creates it."""

from __future__ import annotations

from flask import url_for

from .. import clients as service
from . import bp
from .auth import current_actor
from .schema import NO_FIELDS, Field, flag, read_body, strings, text

SETTINGS = {
    "name": text("Nom de l'application."),
    "redirect_uris": strings("URI de redirection (code flow) : https, http pour localhost."),
    "post_logout_redirect_uris": strings("URI de retour après déconnexion."),
    "min_acr": text("Niveau d'authentification minimal : mfa ou pwd."),
    "first_party": flag("Application de l'opérateur : pas d'écran de consentement."),
    "resource_server": flag("Peut introspecter les jetons des autres clients."),
    "backchannel_logout_uri": text("URI de déconnexion back-channel.", nullable=True),
    "admin_role": text("Rôle d'un client de service de l'API d'administration : admin, "
                       "referent ou support (client_credentials, portée admin).",
                       nullable=True),
    "admin_organisation": text("Structure d'un client de rôle referent.", nullable=True),
}
NEW_CLIENT = {
    **SETTINGS,
    "name": text("Nom de l'application.", required=True),
    "grant_type": text("authorization_code (défaut) ou client_credentials."),
    "auth_method": text("client_secret_basic (défaut), client_secret_post, private_key_jwt "
                        "ou none."),
    "scope": text("Portées séparées par des espaces."),
    "jwks": Field(("object", "string"), "Clés publiques (private_key_jwt).", nullable=True),
    "id_token_alg": text("Algorithme de signature des jetons d'identité.", nullable=True),
}


@bp.get("/clients")
def list_clients():
    return {"items": [service.describe(c) for c in service.list_clients(current_actor())]}


@bp.post("/clients")
def create_client():
    body = read_body(NEW_CLIENT)
    fields = {name: value for name, value in body.items() if value is not None}
    registered = service.register(current_actor(), fields.pop("name"), **fields)
    client = registered.client
    return ({**service.describe(client), "client_secret": registered.client_secret}, 201,
            {"Location": url_for(".get_client", client_id=client.client_id)})


@bp.get("/clients/<client_id>")
def get_client(client_id: str):
    return service.describe(service.get_client(current_actor(), client_id))


@bp.patch("/clients/<client_id>")
def update_client(client_id: str):
    body = read_body(SETTINGS)
    return service.describe(service.update_client(current_actor(), client_id, **body))


@bp.post("/clients/<client_id>/rotate-secret")
def rotate_client_secret(client_id: str):
    read_body(NO_FIELDS)
    actor = current_actor()
    secret = service.rotate_secret(actor, client_id)
    client = service.get_client(actor, client_id)
    return {"client_id": client.client_id, "client_secret": secret,
            "previous_secret_expires_at": service.describe(client)["previous_secret_expires_at"]}


@bp.post("/clients/<client_id>/disable")
def disable_client(client_id: str):
    read_body(NO_FIELDS)
    return service.describe(service.disable_client(current_actor(), client_id))


@bp.post("/clients/<client_id>/enable")
def enable_client(client_id: str):
    read_body(NO_FIELDS)
    return service.describe(service.enable_client(current_actor(), client_id))
