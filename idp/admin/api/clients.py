"""Clients in the admin API (platform administrators only): list, register, read, change,
rotate the secret, disable and enable. A secret is shown once, in the answer that creates it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from pydantic import Field

from .. import clients as service
from ..actors import Actor
from . import answers
from .auth import current_actor
from .operations import action, operation
from .shapes import Body, JsonObject, Text, Texts

CLIENTS = "Clients"
CLIENT = {"client_id": "Identifiant du client."}


class ClientSettings(Body):
    name: Text = Field(None, description="Nom de l'application.")
    redirect_uris: Texts = Field(None, description="URI de redirection (code flow) : https, "
                                                   "http pour localhost.")
    post_logout_redirect_uris: Texts = Field(None, description="URI de retour après "
                                                               "déconnexion.")
    min_acr: Text = Field(None, description="Niveau d'authentification minimal : mfa ou pwd.")
    first_party: bool = Field(None, description="Application de l'opérateur : pas d'écran de "
                                                "consentement.")
    resource_server: bool = Field(None, description="Peut introspecter les jetons des autres "
                                                    "clients.")
    backchannel_logout_uri: Text | None = Field(None, description="URI de déconnexion "
                                                                  "back-channel.")
    admin_role: Text | None = Field(None, description="Rôle d'un client de service de l'API "
                                                      "d'administration : admin, referent ou "
                                                      "support (client_credentials, portée "
                                                      "admin).")
    admin_organisation: Text | None = Field(None, description="Structure d'un client de rôle "
                                                              "referent.")


class NewClient(ClientSettings):
    name: Text = Field(description="Nom de l'application.")
    grant_type: Text = Field(None, description="authorization_code (défaut) ou "
                                               "client_credentials.")
    auth_method: Text = Field(None, description="client_secret_basic (défaut), "
                                                "client_secret_post, private_key_jwt ou none.")
    scope: Text = Field(None, description="Portées séparées par des espaces.")
    jwks: JsonObject | Text | None = Field(None, description="Clés publiques "
                                                             "(private_key_jwt).")
    id_token_alg: Text | None = Field(None, description="Algorithme de signature des jetons "
                                                        "d'identité.")


@operation("GET", "/clients", "Lister les clients (administrateurs)", tag=CLIENTS,
           answer=answers.ClientList)
def list_clients():
    return {"items": [service.describe(c) for c in service.list_clients(current_actor())]}


@operation("POST", "/clients", "Enregistrer un client (administrateurs)", tag=CLIENTS,
           body=NewClient, answer=answers.RegisteredClient, status=201, errors=(404,))
def create_client(body: NewClient):
    fields = body.model_dump(exclude_none=True)
    registered = service.register(current_actor(), fields.pop("name"), **fields)
    client = registered.client
    return ({**service.describe(client), "client_secret": registered.client_secret},
            {"Location": url_for(".get_client", client_id=client.client_id)})


@operation("GET", "/clients/<client_id>", "Lire un client", tag=CLIENTS, path=CLIENT,
           answer=answers.Client, errors=(404,))
def get_client(client_id: str):
    return service.describe(service.get_client(current_actor(), client_id))


@operation("PATCH", "/clients/<client_id>", "Modifier un client", tag=CLIENTS, path=CLIENT,
           body=ClientSettings, answer=answers.Client, errors=(404,))
def update_client(client_id: str, body: ClientSettings):
    return service.describe(service.update_client(current_actor(), client_id, **body.sent()))


def _new_secret(leaked: bool) -> Callable[[Actor, str], dict[str, Any]]:
    def rotate(actor: Actor, client_id: str) -> dict[str, Any]:
        secret = service.rotate_secret(actor, client_id, leaked=leaked)
        client = service.describe(service.get_client(actor, client_id))
        return {**client, "client_secret": secret}

    return rotate


action("/clients/<client_id>/rotate-secret", "Donner un nouveau secret au client",
       _new_secret(leaked=False), endpoint="client_rotate_secret", tag=CLIENTS, path=CLIENT,
       answer=answers.NewSecret)
action("/clients/<client_id>/replace-leaked-secret",
       "Remplacer un secret divulgué : l'ancien est refusé aussitôt, les jetons sont révoqués",
       _new_secret(leaked=True), endpoint="client_replace_leaked_secret", tag=CLIENTS,
       path=CLIENT, answer=answers.NewSecret)
action("/clients/<client_id>/disable", "Désactiver le client (ses jetons sont révoqués)",
       lambda actor, client_id: service.describe(service.disable_client(actor, client_id)),
       endpoint="client_disable", tag=CLIENTS, path=CLIENT, answer=answers.Client)
action("/clients/<client_id>/enable", "Réactiver le client",
       lambda actor, client_id: service.describe(service.enable_client(actor, client_id)),
       endpoint="client_enable", tag=CLIENTS, path=CLIENT, answer=answers.Client)
