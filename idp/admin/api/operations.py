"""The admin API's routes, each declared once: its method and path, the shapes of its query,
body and answer, and what the OpenAPI document says of it (``openapi`` writes the document
from these declarations alone).

``operation`` registers the route; before the view runs, the query and the body are read
against their shapes (refused with 4xx otherwise) and handed to the view as ``query`` and
``body``; the view's result leaves through the answer's shape, so an answer holds exactly the
members documented. ``action`` declares the POST routes that act on one record and take no
parameters (disable, enable, unlock...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response

from ..actors import Actor
from . import bp
from .auth import PUBLIC_ENDPOINTS, current_actor
from .inputs import read_body, read_query
from .shapes import Answer, Body, NoBody, Query

PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    """One route as the OpenAPI document describes it. ``path``: a description of each path
    parameter; ``errors``: the error statuses it may answer besides those its shapes imply;
    ``document``: OpenAPI members that replace the generated ones (a body or an answer that
    is not JSON)."""

    method: str
    rule: str
    summary: str
    tag: str
    answer: type[Answer] | None = None
    status: int = 200
    query: type[Query] | None = None
    body: type[Body] | None = None
    path: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    description: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict)
    public: bool = False  # no token needed

    def path_parameters(self) -> list[str]:
        """The names of the parameters in the route's path, in order."""
        return PATH_PARAMETER.findall(self.rule)


OPERATIONS: list[Operation] = []


def operation(method: str, rule: str, summary: str, *, endpoint: str | None = None,
              **declared: Any) -> Callable:
    """Register the view it decorates for ``method`` ``rule`` (under the blueprint), as the
    ``Operation`` the other arguments declare."""
    op = Operation(method, rule, summary, **declared)
    if set(op.path_parameters()) != set(op.path):
        raise ValueError(f"{method} {rule}: describe each path parameter, and only those")

    def register(view: Callable) -> Callable:
        @wraps(view)
        def serve(**keys: Any):
            if op.query is not None:
                keys["query"] = read_query(op.query)
            if op.body is not None:
                body = read_body(op.body)
                if op.body.model_fields:  # a body without members gives the view nothing
                    keys["body"] = body
            return _answer(op, view(**keys))

        name = endpoint or view.__name__
        bp.add_url_rule(rule, name, serve, methods=[method])
        OPERATIONS.append(op)
        if op.public:
            PUBLIC_ENDPOINTS.add(f"{bp.name}.{name}")
        return view

    return register


def _answer(op: Operation, result: Any):
    """The view's result through the answer's shape; a view may add headers with
    ``(result, headers)`` or return a ready response (a file)."""
    if isinstance(result, Response):
        return result
    headers = {}
    if isinstance(result, tuple):
        result, headers = result
    if op.answer is None:
        return "", op.status, headers
    return op.answer.model_validate(result).model_dump(mode="json"), op.status, headers


def action(rule: str, summary: str, act: Callable[[Actor, str], Any], *, endpoint: str,
           **declared: Any) -> None:
    """A POST route that acts on the one record its path names and takes no parameters:
    ``act(actor, key)`` does it and returns what the route answers (404: no such record)."""
    [name] = PATH_PARAMETER.findall(rule)

    def run_action(**keys: str):
        return act(current_actor(), keys[name])

    operation("POST", rule, summary, endpoint=endpoint, body=NoBody, errors=(404,),
              **declared)(run_action)
