"""Keyset pagination of the administration's lists: a page is read from the key of a row the
reader saw (``after`` it, or ``before`` it), never by skipping rows. OFFSET reads and drops
every row before the page, so the last page of a million accounts cost 20,000 pages; with a
key, the first, the next, the previous and the last page each read one page through an index
on the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_

from ..errors import ValidationError
from ..extensions import db

T = TypeVar("T")
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Position:
    """Where a page lies: the first page (nothing given), the rows after ``after``, the rows
    before ``before``, or the ``last`` page."""

    after: Key | None = None
    before: Key | None = None
    last: bool = False

    def __post_init__(self) -> None:
        if sum((self.after is not None, self.before is not None, self.last)) > 1:
            raise ValidationError("Indiquez une seule position de page : after, before ou last.")

    @property
    def backwards(self) -> bool:
        """True when the page is read towards the start of the list (before a key, the last)."""
        return self.before is not None or self.last


FIRST = Position()


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    """A page of rows, and the keys that lead to its neighbours: ``next`` is the ``after`` of
    the following page (None on the last one), ``previous`` the ``before`` of the page before
    it (None on the first one)."""

    items: list[T]
    next: Key | None
    previous: Key | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def read_page(query: Select, key: Sequence[ColumnElement], key_of: Callable[[T], Key],
              position: Position, size: int, *, descending: bool = False,
              skip: int = 0) -> KeysetPage[T]:
    """One page of ``query``'s rows in the order of ``key`` (unique columns; ``descending``
    for newest first), at ``position``. ``key_of`` gives a row's key values. ``skip`` pages
    are passed over first (numbered pages, kept for the API's ``page``: each one skipped is
    read and dropped, so deep numbered pages stay slow)."""
    backwards = position.backwards
    reverse = descending != backwards  # read the index downwards
    edge = position.before if backwards else position.after
    if edge is not None:
        row, values = _comparable(key, edge)
        query = query.where(row < values if reverse else row > values)
    query = query.order_by(*(column.desc() if reverse else column.asc() for column in key))
    rows = list(db.session.scalars(query.limit(size + 1).offset(skip * size)))
    more, rows = len(rows) > size, rows[:size]
    if backwards:
        rows.reverse()
    first, last = (key_of(rows[0]), key_of(rows[-1])) if rows else (None, None)
    if backwards:
        return KeysetPage(rows, last if position.before is not None else None,
                          first if more else None)
    return KeysetPage(rows, last if more else None,
                      first if position.after is not None else None)


def _comparable(key: Sequence[ColumnElement], edge: Key) -> tuple[Any, Any]:
    """The key and the edge's values, as one column or as a row value (both indexable)."""
    if len(key) != len(edge):
        raise ValidationError("Position de page invalide.")
    if len(key) == 1:
        return key[0], edge[0]
    return tuple_(*key), tuple_(*edge)


def single_text(key: Key) -> str:
    """A one-column key (an address) as it travels in a URL."""
    return str(key[0])


def single_key(text: str) -> Key:
    """The one-column key of ``single_text``."""
    return (text,)


_MOMENT_KEY = re.compile(r"(\d{8}T\d{12})-(\d{1,18})")


def moment_key_text(key: Key) -> str:
    """A (moment, id) key as it travels in a URL: ``20260115T083000123456-42``."""
    moment, identifier = key
    return f"{moment:%Y%m%dT%H%M%S%f}-{identifier}"


def moment_key(text: str) -> Key:
    """The (moment, id) key of ``moment_key_text``; ValidationError for anything else."""
    match = _MOMENT_KEY.fullmatch(text or "")
    if match is None:
        raise ValidationError("Position de page invalide.")
    try:
        moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%f")
    except ValueError:
        raise ValidationError("Position de page invalide.") from None
    return moment, int(match.group(2))
