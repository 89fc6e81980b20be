"""A request read against its shapes (``shapes``): the JSON body and the query parameters,
refused before any service runs with a problem whose French detail names the field.

A body that is not JSON answers 415 (wrong media type) or 400 (unreadable); anything else
refused answers 422: not an object, an unknown or a missing member, a value of the wrong type
or holding NUL, an unknown, repeated or malformed query parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from .problems import Problem, invalid
from .shapes import REFUSED, Body, Query

B = TypeVar("B", bound=Body)
Q = TypeVar("Q", bound=Query)
Reason = Callable[[str, list[dict[str, Any]], dict[str, Any]], str]

TYPE_NAMES = {"string": "texte", "boolean": "booléen (true ou false)", "object": "objet JSON",
              "array": "liste de textes", "integer": "entier", "null": "null"}


def read_body(shape: type[B]) -> B:
    """The request's JSON object, checked against ``shape``."""
    if not request.get_data(cache=True) and not shape.model_fields:
        return shape()  # an action without parameters may be posted without a body
    if not request.is_json:
        raise Problem(415, "Le corps de la requête doit être un objet JSON "
                           "(Content-Type: application/json).")
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise Problem(400, "Le corps de la requête n'est pas du JSON valide.") from None
    if not isinstance(body, dict):
        raise invalid("Le corps de la requête doit être un objet JSON.")
    try:
        return shape.model_validate(body)
    except ValidationError as error:
        raise invalid(_refusal(error, shape, "Champ", _member_reason)) from None


def read_query(shape: type[Q]) -> Q:
    """The request's query parameters, checked against ``shape``."""
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise invalid(f"Paramètre répété : {', '.join(repeated)}.")
    try:
        return shape.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise invalid(_refusal(error, shape, "Paramètre", _parameter_reason)) from None


def _refusal(error: ValidationError, shape: type[BaseModel], noun: str, reason: Reason) -> str:
    """The French detail of a refusal: unknown names first, then missing ones, then the first
    value refused."""
    errors = error.errors(include_url=False)
    for kind, adjective in (("extra_forbidden", "inconnu"), ("missing", "obligatoire manquant")):
        names = sorted(str(e["loc"][0]) for e in errors if e["type"] == kind)
        if names:
            return f"{noun} {adjective} : {', '.join(names)}."
    name = str(errors[0]["loc"][0])
    of_name = [e for e in errors if e["loc"][:1] == (name,)]
    return reason(name, of_name, _schema(shape)["properties"][name])


def _member_reason(name: str, errors: list[dict[str, Any]], schema: dict[str, Any]) -> str:
    own = next((e for e in errors if e["type"] == REFUSED), None)
    expected = f"{' ou '.join(_type_names(schema))} attendu"
    return f"Valeur invalide pour « {name} » : {own['msg'] if own else expected}."


def _parameter_reason(name: str, errors: list[dict[str, Any]], schema: dict[str, Any]) -> str:
    error = errors[0]
    if schema.get("type") == "integer":
        predicate = f"doit être un entier entre {schema['minimum']} et {schema['maximum']}"
    elif error["type"] == "string_too_long":
        predicate = f"est trop long ({error['ctx']['max_length']} caractères au plus)"
    elif error["type"] == REFUSED:
        predicate = error["msg"]
    else:
        predicate = "n'a pas une valeur valide"
    return f"« {name} » {predicate}."


def _type_names(schema: dict[str, Any]) -> list[str]:
    """The JSON types a member's schema allows, in French, in the order declared."""
    kinds = []
    for option in schema.get("anyOf", [schema]):
        kind = option.get("type")
        kinds += kind if isinstance(kind, list) else [kind]
    return [TYPE_NAMES[kind] for kind in kinds if kind]


@cache
def _schema(shape: type[BaseModel]) -> dict[str, Any]:
    return shape.model_json_schema()
