"""What each endpoint accepts, declared once: the views check requests against these
declarations and the OpenAPI document is built from them, so the two cannot disagree.

A body is a JSON object: anything else, an unknown field, a missing required field or a value
of the wrong type is refused (415, 400 or 422) before any service runs. Query parameters are
checked the same way: ``page`` an integer of at least 1, ``since``/``until`` ISO 8601 dates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import request

from .problems import Problem, invalid

MAX_PAGE = 1_000_000
MAX_TEXT = 1024
JSON_TYPES = {"string": str, "boolean": bool, "object": dict}


@dataclass(frozen=True)
class Field:
    """A member of a JSON request body. ``types``: JSON types ("string", "boolean",
    "object", "array" of strings); ``nullable``: null is accepted too."""

    types: tuple[str, ...]
    description: str
    required: bool = False
    nullable: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        for kind in self.types:
            if kind == "array":
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    return True
            elif isinstance(value, JSON_TYPES[kind]):
                return True
        return False

    def json_schema(self) -> dict[str, Any]:
        types = [*self.types, "null"] if self.nullable else list(self.types)
        schema: dict[str, Any] = {"type": types[0] if len(types) == 1 else types,
                                  "description": self.description}
        if "array" in self.types:
            schema["items"] = {"type": "string"}
        return schema


NO_FIELDS: dict[str, Field] = {}  # an action's body: empty, or an empty object


def text(description: str, **options) -> Field:
    return Field(("string",), description, **options)


def flag(description: str, **options) -> Field:
    return Field(("boolean",), description, **options)


def strings(description: str, **options) -> Field:
    return Field(("array",), description, **options)


def body_schema(fields: dict[str, Field]) -> dict[str, Any]:
    """The JSON Schema of a body made of ``fields``."""
    schema: dict[str, Any] = {
        "type": "object", "additionalProperties": False,
        "properties": {name: field.json_schema() for name, field in fields.items()},
    }
    required = [name for name, field in fields.items() if field.required]
    if required:
        schema["required"] = required
    return schema


def read_body(fields: dict[str, Field]) -> dict[str, Any]:
    """The request's JSON object, checked against ``fields``; only the members sent."""
    if not request.get_data(cache=True) and not fields:
        return {}  # an action without parameters may be posted without a body
    if not request.is_json:
        raise Problem(415, "Le corps de la requête doit être un objet JSON "
                           "(Content-Type: application/json).")
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise Problem(400, "Le corps de la requête n'est pas du JSON valide.") from None
    if not isinstance(body, dict):
        raise invalid("Le corps de la requête doit être un objet JSON.")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise invalid(f"Champ inconnu : {', '.join(unknown)}.")
    missing = [name for name, field in fields.items() if field.required and name not in body]
    if missing:
        raise invalid(f"Champ obligatoire manquant : {', '.join(missing)}.")
    for name, value in body.items():
        if not fields[name].accepts(value):
            raise invalid(f"Valeur invalide pour « {name} » : "
                          f"{' ou '.join(_type_names(fields[name]))} attendu.")
        try:  # as for forms: no valid input holds NUL (PostgreSQL text cannot)
            refused = _holds_nul(value)
        except RecursionError:
            refused = True
        if refused:
            raise invalid(f"Valeur invalide pour « {name} » : caractère NUL ou imbrication "
                          "excessive.")
    return body


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _type_names(field: Field) -> list[str]:
    names = {"string": "texte", "boolean": "booléen (true ou false)", "object": "objet JSON",
             "array": "liste de textes"}
    return [names[kind] for kind in field.types] + (["null"] if field.nullable else [])


@dataclass(frozen=True)
class Param:
    """A query parameter: ``kind`` is "string", "page" (integer >= 1) or "date-time"."""

    kind: str
    description: str

    def parse(self, name: str, raw: str) -> Any:
        if self.kind == "page":
            if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
                raise invalid(f"« {name} » doit être un entier entre 1 et {MAX_PAGE}.")
            return int(raw)
        if self.kind == "date-time":
            return _moment(name, raw)
        if len(raw) > MAX_TEXT:
            raise invalid(f"« {name} » est trop long ({MAX_TEXT} caractères au plus).")
        return raw.strip() or None

    def json_schema(self) -> dict[str, Any]:
        if self.kind == "page":
            return {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}
        if self.kind == "date-time":
            return {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}]}
        return {"type": "string", "maxLength": MAX_TEXT}


def read_query(params: dict[str, Param]) -> dict[str, Any]:
    """The query parameters of the request, parsed; unknown or repeated ones are refused.
    ``page`` defaults to 1; absent or empty parameters are None."""
    unknown = sorted(set(request.args) - set(params))
    if unknown:
        raise invalid(f"Paramètre inconnu : {', '.join(unknown)}.")
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise invalid(f"Paramètre répété : {', '.join(repeated)}.")
    values = {name: (param.parse(name, request.args[name]) if name in request.args else None)
              for name, param in params.items()}
    if "page" in params and values["page"] is None:
        values["page"] = 1
    return values


def _moment(name: str, raw: str) -> datetime:
    """An ISO 8601 date or date-time as naive UTC (the form stored). A date alone means the
    start of that day for ``since`` and its end for ``until``, so both bounds include it."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day, time.max if name == "until" else time.min)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(f"« {name} » doit être une date ISO 8601, par exemple 2025-01-31 ou "
                      "2025-01-31T08:00:00Z.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
