"""Single use, stated once: a record (a code, a link, a challenge, a parked request, a token)
is used by one conditional UPDATE that sets its "used" time only if it is still unset.

Of two requests, two processes or two nodes presenting the same record at the same moment,
exactly one sees the UPDATE change a row: the database decides (a row lock on PostgreSQL, the
write lock on SQLite), never a read followed by a write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db
from .models.base import utcnow


def use_once(used: InstrumentedAttribute, *conditions: Any, **values: Any) -> bool:
    """Set the column ``used`` (a time) to now, with ``values``, on the row that ``conditions``
    name, if it is still unset; True for the one caller that did."""
    return bool(db.session.execute(
        update(used.class_)
        .where(used.is_(None), *conditions)
        .values({used.key: utcnow(), **values})
    ).rowcount)
