"""The OpenAPI 3.1 document of the admin API, served at /admin/api/openapi.json (no token needed:
it describes, it reveals nothing). Request bodies and query parameters come from the same
declarations the views check requests with (``schema``)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from .. import notification_csv
from ..bearer import ADMIN_SCOPE
from . import bp, clients, mailboxes, notification_emails, records, users
from .schema import Field, Param, body_schema

TEXT = {"type": "string"}
MAYBE_TEXT = {"type": ["string", "null"]}
FLAG = {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time"}
TEXTS = {"type": "array", "items": TEXT}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": properties,
            "required": list(properties)}


SCHEMAS = {
    "User": _object({
        "address": TEXT, "given_name": TEXT, "family_name": TEXT, "notification_email": TEXT,
        "phone": MAYBE_TEXT, "organisation": MAYBE_TEXT,
        "role": {"enum": ["user", "referent", "support", "admin"]},
        "status": {"enum": ["active", "disabled"]},
        "has_password": FLAG, "authenticator": FLAG,
        "recovery_codes": {"type": "integer", "minimum": 0},
        "psc_national_id": MAYBE_TEXT, "locked": FLAG, "created_at": MOMENT,
        "pending_notification_email": {
            "oneOf": [{"type": "null"}, _object({"address": TEXT, "expires_at": MOMENT},
                                                "Adresse en attente de confirmation.")]},
    }, "Un compte (jamais de secret)."),
    "SessionsEnded": _object({"address": TEXT, "sessions_ended": {"type": "integer"}},
                             "Sessions terminées."),
    "AuditEvent": _object({
        "at": MOMENT, "event": TEXT, "person": MAYBE_TEXT, "client_id": MAYBE_TEXT,
        "ip": MAYBE_TEXT, "detail": {"type": ["object", "null"]},
    }, "Un événement du journal d'audit."),
    "Delivery": _object({
        "at": MOMENT, "person": MAYBE_TEXT, "channel": {"enum": ["email", "sms"]},
        "destination": {"type": "string", "description": "Destination masquée."},
        "status": TEXT, "reason": MAYBE_TEXT,
    }, "L'envoi d'un code ou d'un lien."),
    "Client": _object({
        "client_id": TEXT, "name": TEXT, "grant_types": TEXTS,
        "token_endpoint_auth_method": TEXT, "scope": TEXT, "redirect_uris": TEXTS,
        "post_logout_redirect_uris": TEXTS, "backchannel_logout_uri": MAYBE_TEXT,
        "min_acr": TEXT, "first_party": FLAG, "resource_server": FLAG,
        "admin_role": MAYBE_TEXT, "admin_organisation": MAYBE_TEXT, "disabled": FLAG,
        "previous_secret_expires_at": {"type": ["string", "null"], "format": "date-time"},
        "created_at": MOMENT,
    }, "Une application cliente (jamais de secret)."),
    "NewSecret": _object({
        "client_id": TEXT, "client_secret": TEXT,
        "previous_secret_expires_at": {"type": ["string", "null"], "format": "date-time"},
    }, "Le nouveau secret, montré une seule fois ; l'ancien reste valable jusqu'à "
       "previous_secret_expires_at."),
    "Problem": {
        "type": "object", "description": "Problem details (RFC 9457).",
        "properties": {
            "type": {"type": "string", "format": "uri-reference"}, "title": TEXT,
            "status": {"type": "integer"}, "detail": {"type": "string",
                                                      "description": "Message en français."},
            "error": {"type": "string",
                      "description": "Code d'erreur OAuth d'un problème de jeton."},
        },
        "required": ["type", "title", "status", "detail"],
    },
}
SCHEMAS["Mailbox"] = _object({
    "address": TEXT, "type": {"enum": ["PER", "ORG", "APP", "CAB"]}, "name": TEXT,
    "organisation": MAYBE_TEXT, "sensitive": FLAG,
    "people": {"type": "array", "description": "Les personnes qui peuvent l'ouvrir.",
               "items": _object({"address": TEXT, "name": TEXT}, "Une personne.")},
}, "Une boîte aux lettres MSSanté (BAL).")
SCHEMAS["MailboxAccess"] = _object({
    "address": TEXT, "person": TEXT,
    "can_open": {"type": "boolean", "description": "La personne peut désormais l'ouvrir."},
    "changed": {"type": "boolean", "description": "false : c'était déjà le cas."},
}, "Le droit d'une personne d'ouvrir une boîte, après la requête.")
SCHEMAS["ImportLine"] = _object({
    "number": {"type": "integer", "description": "Numéro de ligne (l'en-tête est la 1)."},
    "address": TEXT,
    "outcome": {"enum": list(notification_csv.LABELS)},
    "reason": {"type": "string", "description": "Explication en français."},
}, "Le résultat d'une ligne du fichier.")
SCHEMAS["NotificationImport"] = _object({
    "applied": {"type": "boolean", "description": "false : rien n'a été écrit."},
    "summary": {"type": "string", "description": "Bilan en français."},
    "counts": _object({outcome: {"type": "integer", "minimum": 0}
                       for outcome in notification_csv.LABELS}, "Nombre de lignes par résultat."),
    "lines": {"type": "array", "items": {"$ref": "#/components/schemas/ImportLine"}},
}, "Le compte rendu d'un import, ligne par ligne.")
SCHEMAS["RegisteredClient"] = {"allOf": [
    {"$ref": "#/components/schemas/Client"},
    {"type": "object", "properties": {"client_secret": MAYBE_TEXT},
     "required": ["client_secret"]},
], "description": "Le client créé et son secret, montré une seule fois."}

ERRORS = {
    400: "Corps de requête qui n'est pas du JSON valide.",
    401: "Jeton absent, invalide, expiré ou révoqué (en-tête WWW-Authenticate).",
    403: "Jeton sans la portée admin, sans droit d'administration, ou rôle insuffisant.",
    404: "Inconnu, ou hors de la structure d'un référent.",
    409: "Existe déjà.",
    413: "Corps de requête trop volumineux.",
    415: "Le corps n'est pas en application/json.",
    422: "Valeur refusée (paramètre, champ inconnu, type, règle métier).",
    502: "Le lien de confirmation n'a pas pu être envoyé.",
}
ADDRESS = {"name": "address", "in": "path", "required": True, "schema": TEXT,
           "description": "Adresse MSSanté du compte."}
MAILBOX = {"name": "address", "in": "path", "required": True, "schema": TEXT,
           "description": "Adresse MSSanté de la boîte."}
PERSON = {"name": "person", "in": "path", "required": True, "schema": TEXT,
          "description": "Adresse MSSanté de la personne."}
CLIENT_ID = {"name": "client_id", "in": "path", "required": True, "schema": TEXT,
             "description": "Identifiant du client."}


def _list_of(schema: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
        "page": {"type": "integer"}, "page_size": {"type": "integer"}}}


def _query(params: dict[str, Param]) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": False, "schema": param.json_schema(),
             "description": param.description} for name, param in params.items()]


def operation(summary: str, tag: str, result: str | dict | None, *, status: int = 200,
              path: list | None = None, query: dict[str, Param] | None = None,
              body: dict[str, Field] | None = None, errors: tuple[int, ...] = (),
              description: str | None = None) -> dict[str, Any]:
    """One operation: its parameters, request body and responses (every one needs a token,
    so 401 and 403 are always possible)."""
    content = ({"$ref": f"#/components/schemas/{result}"} if isinstance(result, str)
               else result)
    op: dict[str, Any] = {"summary": summary, "tags": [tag],
                          "parameters": [*(path or []), *_query(query or {})]}
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = {"required": bool(body), "content": {
            "application/json": {"schema": body_schema(body)}}}
    op["responses"] = {str(status): {"description": "OK", "content": {
        "application/json": {"schema": content}}} if content is not None else {
        "description": "OK, sans contenu."}}
    for code in sorted({401, 403, *errors, *((400, 415, 422) if body is not None else ())}):
        op["responses"][str(code)] = {"$ref": f"#/components/responses/{code}"}
    return op


def _csv_import() -> dict[str, Any]:
    """The import takes the CSV file itself as its body and refuses it whole with 422."""
    op = operation(
        "Importer des adresses de notification (CSV)", "Adresses de notification",
        "NotificationImport", query=notification_emails.IMPORT_PARAMS, errors=(413, 415, 422),
        description=(
            "Le fichier en UTF-8, séparateur « ; » ou « , », en-tête "
            "adresse_mssante;email_notification;nom;telephone;structure. Chaque ligne est "
            "vérifiée ; avec apply=true et aucune ligne refusée, les comptes inconnus sont "
            "créés et les nouvelles adresses de notification reçoivent un lien de "
            "confirmation. Une ligne refusée : 422, le compte rendu dans le problème, rien "
            "n'est écrit. Une fois l'import appliqué, une ligne dont le lien n'a pas pu être "
            "envoyé est signalée refusée, les autres restent appliquées."))
    op["requestBody"] = {"required": True, "content": {
        media: {"schema": {"type": "string"}} for media in notification_emails.MEDIA_TYPES}}
    problem = {"$ref": "#/components/schemas/Problem"}
    op["responses"]["415"] = {
        "description": "Le corps n'est ni en text/csv ni en application/octet-stream, ou son "
                       "charset n'est pas UTF-8.",
        "content": {"application/problem+json": {"schema": problem}}}
    op["responses"]["422"] = {
        "description": "Paramètre ou fichier refusé ; une ligne refusée : le compte rendu "
                       "(lines, counts, summary, applied) accompagne le problème.",
        "content": {"application/problem+json": {"schema": {"allOf": [problem, {
            "type": "object", "properties": SCHEMAS["NotificationImport"]["properties"]}]}}}}
    return op


def _csv_export() -> dict[str, Any]:
    op = operation("Exporter les adresses de notification (CSV)", "Adresses de notification",
                   None, query=notification_emails.EXPORT_PARAMS, errors=(404, 422),
                   description="Les comptes visibles, au format de l'import ; le réimporter "
                               "ne change rien.")
    op["responses"]["200"] = {"description": "OK", "content": {
        "text/csv": {"schema": {"type": "string"}}}}
    return op


def _action(summary: str, tag: str, result: str, path: dict, **options) -> dict[str, Any]:
    return operation(summary, tag, result, path=[path], body={}, errors=(404,), **options)


PATHS = {
    "/admin/api/users": {
        "get": operation("Lister les comptes visibles", "Comptes", _list_of("User"),
                         query=users.LIST_PARAMS, errors=(422,)),
        "post": operation("Créer un compte", "Comptes", "User", status=201,
                          body=users.NEW_ACCOUNT, errors=(404, 409),
                          description="La personne reçoit un lien pour choisir son mot de passe "
                                      "à son adresse de notification."),
    },
    "/admin/api/users/{address}": {
        "get": operation("Lire un compte", "Comptes", "User", path=[ADDRESS], errors=(404,)),
        "patch": operation(
            "Modifier un compte", "Comptes", "User", path=[ADDRESS], body=users.CHANGES,
            errors=(404, 409, 502),
            description="Seuls les champs donnés changent. notification_email lance la "
                        "confirmation : un lien est envoyé à la nouvelle adresse, l'ancienne "
                        "sert jusqu'à ce qu'il soit suivi (pending_notification_email)."),
    },
    "/admin/api/users/{address}/password-reset": {"post": _action(
        "Envoyer un lien de nouveau mot de passe", "Comptes", "User", ADDRESS)},
    "/admin/api/users/{address}/factors-reset": {"post": _action(
        "Retirer l'application d'authentification et les codes de secours", "Comptes", "User",
        ADDRESS)},
    "/admin/api/users/{address}/unlock": {"post": _action(
        "Lever les délais après échecs", "Comptes", "User", ADDRESS)},
    "/admin/api/users/{address}/sessions-end": {"post": _action(
        "Terminer toutes les sessions", "Comptes", "SessionsEnded", ADDRESS)},
    "/admin/api/users/{address}/disable": {"post": _action(
        "Désactiver le compte (ses sessions se terminent)", "Comptes", "User", ADDRESS)},
    "/admin/api/users/{address}/enable": {"post": _action(
        "Réactiver le compte", "Comptes", "User", ADDRESS)},
    "/admin/api/audit": {"get": operation(
        "Journal d'audit, du plus récent au plus ancien", "Journaux", _list_of("AuditEvent"),
        query=records.AUDIT_PARAMS, errors=(404, 422))},
    "/admin/api/deliveries": {"get": operation(
        "Envois de codes et de liens, du plus récent au plus ancien", "Journaux",
        _list_of("Delivery"), query=records.DELIVERY_PARAMS, errors=(404, 422))},
    "/admin/api/mailboxes": {
        "get": operation("Lister les boîtes organisationnelles et applicatives visibles",
                         "Boîtes aux lettres", _list_of("Mailbox"),
                         query=mailboxes.LIST_PARAMS, errors=(404, 422)),
        "post": operation("Créer une boîte organisationnelle ou applicative",
                          "Boîtes aux lettres", "Mailbox", status=201,
                          body=mailboxes.NEW_MAILBOX, errors=(404, 409),
                          description="Personne ne peut l'ouvrir avant qu'un accès soit "
                                      "donné."),
    },
    "/admin/api/mailboxes/{address}": {
        "get": operation("Lire une boîte (personnelle aussi)", "Boîtes aux lettres", "Mailbox",
                         path=[MAILBOX], errors=(404,)),
        "patch": operation("Modifier une boîte", "Boîtes aux lettres", "Mailbox",
                           path=[MAILBOX], body=mailboxes.CHANGES, errors=(404,),
                           description="Seuls les champs donnés changent."),
        "delete": operation("Supprimer une boîte organisationnelle ou applicative",
                            "Boîtes aux lettres", None, status=204, path=[MAILBOX],
                            errors=(404, 422),
                            description="Plus personne ne peut l'ouvrir ; une boîte "
                                        "personnelle disparaît avec son compte (422)."),
    },
    "/admin/api/mailboxes/{address}/people/{person}": {
        "put": operation("Permettre à une personne d'ouvrir la boîte", "Boîtes aux lettres",
                         "MailboxAccess", path=[MAILBOX, PERSON], body={}, errors=(404, 422),
                         description="Boîtes organisationnelles et applicatives seulement : une "
                                     "boîte personnelle n'est ouverte que par son titulaire "
                                     "(422). Sans effet si elle le pouvait déjà "
                                     "(changed : false)."),
        "delete": operation(
            "Retirer à une personne le droit d'ouvrir la boîte", "Boîtes aux lettres",
            "MailboxAccess", path=[MAILBOX, PERSON], errors=(404, 422),
            description="Sans effet si elle ne le pouvait pas (changed : false) ; le titulaire "
                        "d'une boîte personnelle la garde (422)."),
    },
    "/admin/api/notification-emails/import": {"post": _csv_import()},
    "/admin/api/notification-emails/export": {"get": _csv_export()},
    "/admin/api/clients": {
        "get": operation("Lister les clients (administrateurs)", "Clients", _list_of("Client")),
        "post": operation("Enregistrer un client (administrateurs)", "Clients",
                          "RegisteredClient", status=201, body=clients.NEW_CLIENT,
                          errors=(404,)),
    },
    "/admin/api/clients/{client_id}": {
        "get": operation("Lire un client", "Clients", "Client", path=[CLIENT_ID], errors=(404,)),
        "patch": operation("Modifier un client", "Clients", "Client", path=[CLIENT_ID],
                           body=clients.SETTINGS, errors=(404,)),
    },
    "/admin/api/clients/{client_id}/rotate-secret": {"post": _action(
        "Donner un nouveau secret au client", "Clients", "NewSecret", CLIENT_ID)},
    "/admin/api/clients/{client_id}/disable": {"post": _action(
        "Désactiver le client (ses jetons sont révoqués)", "Clients", "Client", CLIENT_ID)},
    "/admin/api/clients/{client_id}/enable": {"post": _action(
        "Réactiver le client", "Clients", "Client", CLIENT_ID)},
    "/admin/api/openapi.json": {"get": {
        "summary": "Ce document", "tags": ["Documentation"], "security": [],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": {"type": "object"}}}}},
    }},
}


def document() -> dict[str, Any]:
    """The OpenAPI document, for this deployment's issuer."""
    issuer = current_app.config["ISSUER"].rstrip("/")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API d'administration du fournisseur d'identité MSSanté",
            "version": "1",
            "description": (
                "Les actions de l'administration, avec les mêmes rôles : admin (tout), "
                "referent (comptes de sa structure), support (lecture). Jeton Bearer de portée "
                f"« {ADMIN_SCOPE} » : celui d'une personne (flux code, son rôle s'applique) ou "
                "celui d'un client de service (client_credentials, le rôle du client "
                "s'applique). Points de terminaison OAuth : voir "
                f"{issuer}/.well-known/openid-configuration. Erreurs : problem details "
                "(RFC 9457, application/problem+json)."),
        },
        "servers": [{"url": issuer}],
        "security": [{"bearer": [ADMIN_SCOPE]}],
        "tags": [{"name": "Comptes"}, {"name": "Boîtes aux lettres"},
                 {"name": "Adresses de notification"}, {"name": "Journaux"},
                 {"name": "Clients"}, {"name": "Documentation"}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": f"Jeton d'accès de portée « {ADMIN_SCOPE} », obtenu au point "
                               "de terminaison token (voir la découverte OpenID Connect)."}},
            "schemas": SCHEMAS,
            "responses": {str(code): {"description": text, "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }} for code, text in ERRORS.items()},
        },
    }


@bp.get("/openapi.json")
def openapi():
    return document()
