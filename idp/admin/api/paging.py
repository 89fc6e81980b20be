"""The pages of the admin API's lists: the ``after``, ``before`` and ``last`` query parameters
(keyset pagination, as fast at the last page as at the first) beside the numbered ``page``
(kept for existing callers; each page skipped is read), and the keys of the neighbouring
pages in the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from ..keyset import Key, KeysetPage, Position, single_key, single_text
from .shapes import Query, QueryFlag, QueryText


class PagedQuery(Query):
    after: QueryText = Field(None, description="Page suivante : la valeur next_after de la "
                                               "page lue.")
    before: QueryText = Field(None, description="Page précédente : la valeur previous_before "
                                                "de la page lue.")
    last: QueryFlag = Field(False, description="true : la dernière page.")


def position_of(query: PagedQuery, read_key: Callable[[str], Key] = single_key) -> Position:
    """The position the query asks for (ValidationError when it names more than one, or a
    key ``read_key`` refuses)."""
    return Position(after=read_key(query.after) if query.after else None,
                    before=read_key(query.before) if query.before else None, last=query.last)


def page_answer(listed: KeysetPage, items: list[dict[str, Any]], page: int, size: int,
                key_text: Callable[[Key], str] = single_text) -> dict[str, Any]:
    """A page as the API answers it: its items, its number and size, and the keys that lead
    to its neighbours (null at either end)."""
    return {"items": items, "page": page, "page_size": size,
            "next_after": key_text(listed.next) if listed.next else None,
            "previous_before": key_text(listed.previous) if listed.previous else None}
