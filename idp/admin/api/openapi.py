"""The OpenAPI 3.1 document of the admin API, served at /admin/api/openapi.json (no token needed:
it describes, it reveals nothing). It is generated from the declarations the routes are served
with (``operations``) and the shapes they check requests and answers with (``shapes``,
``answers``): nothing in it is written twice."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app, jsonify
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from ..bearer import ADMIN_SCOPE
from . import answers, bp
from .operations import OPERATIONS, PATH_PARAMETER, Operation, operation
from .shapes import IN_PLACE

COMPONENT = "#/components/schemas/{model}"
ERRORS = {
    400: "Corps de requête qui n'est pas du JSON valide.",
    401: "Jeton absent, invalide, expiré ou révoqué (en-tête WWW-Authenticate).",
    403: "Jeton sans la portée admin, sans droit d'administration, ou rôle insuffisant.",
    404: "Inconnu, ou hors de la structure d'un référent.",
    409: "Existe déjà.",
    413: "Corps de requête trop volumineux.",
    415: "Le corps n'est pas en application/json.",
    422: "Valeur refusée (paramètre, champ inconnu, type, règle métier).",
}


class DocumentSchema(GenerateJsonSchema):
    """JSON Schema as the document shows it: no titles made up from Python names, no
    ``default: null`` on a member that may only be left out."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def model_schema(self, schema):
        json_schema = super().model_schema(schema)
        json_schema.pop("title", None)
        return json_schema

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if json_schema.get("default", False) is None:
            del json_schema["default"]
        return json_schema


@cache
def _paths_and_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every operation, and the shapes they name as components."""
    shapes = {answers.Problem} | {shape for op in OPERATIONS for shape in (op.body, op.answer)
                                  if shape is not None}
    refs, definitions = models_json_schema(
        [(shape, "validation") for shape in sorted(shapes, key=lambda s: s.__name__)],
        ref_template=COMPONENT, schema_generator=DocumentSchema)
    refs = {shape: ref for (shape, _mode), ref in refs.items()}
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        path = bp.url_prefix + PATH_PARAMETER.sub(r"{\1}", op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, refs)
    return paths, _in_place(definitions["$defs"])


def _operation(op: Operation, refs: dict[type, dict[str, Any]]) -> dict[str, Any]:
    """One operation: its parameters, request body and responses (401 and 403 are possible on
    every route that needs a token)."""
    described: dict[str, Any] = {
        "summary": op.summary, "tags": [op.tag],
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "string"}, "description": op.path[name]}
                       for name in op.path_parameters()] + _query(op)}
    if op.description:
        described["description"] = op.description
    if op.public:
        described["security"] = []
    if op.body is not None:
        described["requestBody"] = {"required": bool(op.body.model_fields), "content": {
            "application/json": {"schema": refs[op.body]}}}
    described["responses"] = {str(op.status): {"description": "OK", "content": {
        "application/json": {"schema": refs[op.answer]}}} if op.answer else {
        "description": "OK, sans contenu."}}
    errors = {*op.errors, *(() if op.public else (401, 403))}
    if op.body is not None:
        errors |= {400, 415, 422}
    if op.query is not None and op.query.model_fields:
        errors.add(422)
    for code in sorted(errors):
        described["responses"][str(code)] = {"$ref": f"#/components/responses/{code}"}
    described.update({key: value for key, value in op.document.items() if key != "responses"})
    described["responses"].update(op.document.get("responses", {}))
    return described


def _query(op: Operation) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = op.query.model_json_schema(schema_generator=DocumentSchema)
    return [{"name": name, "in": "query", "required": name in schema.get("required", ()),
             "schema": {k: v for k, v in member.items() if k != "description"},
             "description": member.get("description", "")}
            for name, member in schema["properties"].items()]


def _in_place(definitions: dict[str, Any]) -> dict[str, Any]:
    """The named shapes, with the nested ones marked IN_PLACE written where they are used."""
    [marker] = IN_PLACE
    nested = {COMPONENT.format(model=name): {k: v for k, v in schema.items() if k != marker}
              for name, schema in definitions.items() if schema.get(marker)}

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") in nested:
                return expand(nested[node["$ref"]])
            return {key: expand(value) for key, value in node.items()}
        if isinstance(node, list):
            return [expand(value) for value in node]
        return node

    return {name: expand(schema) for name, schema in definitions.items()
            if not schema.get(marker)}


def document() -> dict[str, Any]:
    """The OpenAPI document, for this deployment's issuer."""
    issuer = current_app.config["ISSUER"].rstrip("/")
    paths, schemas = _paths_and_schemas()
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
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": f"Jeton d'accès de portée « {ADMIN_SCOPE} », obtenu au point "
                               "de terminaison token (voir la découverte OpenID Connect)."}},
            "schemas": schemas,
            "responses": {str(code): {"description": text, "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }} for code, text in ERRORS.items()},
        },
    }


@operation("GET", "/openapi.json", "Ce document", tag="Documentation", public=True,
           document={"responses": {"200": {"description": "OK", "content": {
               "application/json": {"schema": {"type": "object"}}}}}})
def openapi():
    return jsonify(document())
