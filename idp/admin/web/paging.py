"""The pages of the administration's lists: which page the browser asks for (``after``,
``before`` or ``last`` in the query string) and the links to its neighbours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request

from ..keyset import Key, KeysetPage, Position, single_key, single_text


def asked_position(read_key: Callable[[str], Key] = single_key) -> Position:
    """The page the query string asks for; ValidationError (a 400 page) when it names more
    than one position or a key ``read_key`` refuses."""
    after, before = request.args.get("after", "")[:320], request.args.get("before", "")[:320]
    return Position(after=read_key(after) if after else None,
                    before=read_key(before) if before else None,
                    last=request.args.get("last") == "1")


@dataclass(frozen=True)
class Pager:
    """What a list's page links to: the ``before`` of the previous page and the ``after`` of
    the next one (None at either end)."""

    previous: str | None
    next: str | None


def pager_of(listed: KeysetPage, key_text: Callable[[Key], str] = single_text) -> Pager:
    """The links of a page of rows."""
    return Pager(key_text(listed.previous) if listed.previous else None,
                 key_text(listed.next) if listed.next else None)
