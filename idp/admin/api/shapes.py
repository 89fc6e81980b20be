"""The shapes of the admin API, declared once as pydantic models: what a route accepts (``Body``,
``Query``) and what it answers (``Answer``). The routes check requests and shape answers with
them, and the OpenAPI document is generated from them, so the two cannot disagree.

Bodies are strict: a value of the wrong JSON type is refused, never converted ("1" is not an
integer, 1 is not a boolean), and no text holds NUL (PostgreSQL text cannot). Query parameters
arrive as text: each type below reads it and says in French what it expects.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import partial
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

MAX_PAGE = 1_000_000
MAX_TEXT = 1024
IN_PLACE = {"x-in-place": True}  # a nested shape the document writes in place, not by name
REFUSED = "refused"  # the error type of the checks below: their message is the French reason


class Body(BaseModel):
    """A JSON request body: an object with these members and no others. A member whose type
    refuses null but whose default is None may be left out, not sent as null."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    def sent(self) -> dict[str, Any]:
        """The members the request gave, and only those."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class NoBody(Body):
    pass  # an action's body: nothing, or an empty object


class Query(BaseModel):
    """The query parameters of a route: these and no others, absent ones at their default."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Answer(BaseModel):
    """What a route answers: exactly these members, whatever else the service describes."""

    model_config = ConfigDict(extra="ignore")


def _no_nul(value: Any) -> Any:
    """Refuse NUL anywhere in a value (in keys too); absurdly deep nesting likewise."""

    def holds_nul(item: Any) -> bool:
        if isinstance(item, str):
            return "\x00" in item
        if isinstance(item, dict):
            return any(holds_nul(k) or holds_nul(v) for k, v in item.items())
        if isinstance(item, list):
            return any(holds_nul(v) for v in item)
        return False

    try:
        refused = holds_nul(value)
    except RecursionError:
        refused = True
    if refused:
        raise PydanticCustomError(REFUSED, "caractère NUL ou imbrication excessive")
    return value


# Members of a body.
Text = Annotated[str, AfterValidator(_no_nul)]
Texts = list[Text]
JsonObject = Annotated[dict[str, Any], AfterValidator(_no_nul)]


def _whole_number(raw: Any) -> Any:
    """Digits 0-9 only: no sign, no space, no underscore, no other script's digits."""
    if isinstance(raw, str):
        if not (raw.isascii() and raw.isdigit()):
            raise PydanticCustomError(REFUSED, "doit être un entier")
        return int(raw)
    return raw


def _true_or_false(raw: Any) -> Any:
    value = raw.strip().lower() if isinstance(raw, str) else raw
    if value not in ("true", "false"):
        raise PydanticCustomError(REFUSED, "doit valoir true ou false")
    return value == "true"


def _moment(edge: time, raw: Any) -> Any:
    """An ISO 8601 date or date-time as naive UTC (the form stored). A date alone stands for
    ``edge`` of that day: its start for ``since``, its end for ``until``, so both include it."""
    if not isinstance(raw, str):
        return raw
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), edge)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise PydanticCustomError(
            REFUSED, "doit être une date ISO 8601, par exemple 2025-01-31 ou "
                      "2025-01-31T08:00:00Z") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _blank_as_none(value: str) -> str | None:
    return value.strip() or None


# Query parameters.
QueryText = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_blank_as_none)]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE), BeforeValidator(_whole_number)]
QueryFlag = Annotated[bool, BeforeValidator(_true_or_false)]
DATE_OR_MOMENT = WithJsonSchema({"type": "string",
                                 "anyOf": [{"format": "date-time"}, {"format": "date"}]})
Since = Annotated[datetime, BeforeValidator(partial(_moment, time.min)), DATE_OR_MOMENT]
Until = Annotated[datetime, BeforeValidator(partial(_moment, time.max)), DATE_OR_MOMENT]

# Members of an answer.
Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
MaybeMoment = Annotated[str | None, WithJsonSchema({"type": ["string", "null"],
                                                    "format": "date-time"})]

