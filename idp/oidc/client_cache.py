"""Enabled clients read from memory: every token, introspection and authorization request names
its client, and reading it from the database each time cost a query and an ORM load.

An entry lives CLIENT_CACHE_SECONDS at most (0: no cache). A change of any client made in this
process (a secret rotated, a client disabled, edited or deleted: by the administration, the
API or the CLI, through the ORM or an UPDATE on the clients table) empties the cache when it is
committed, so this process refuses a disabled client or a replaced secret at once; another
process sees the change within CLIENT_CACHE_SECONDS. A client is cached as a transient
``Client`` (bound to no database session), so requests in several threads may read it.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Client

#: Bumped by every committed change of a client; an entry loaded under an older value is stale.
_generation = 0
_lock = threading.Lock()
_COLUMNS = tuple(column.key for column in Client.__mapper__.column_attrs)
_CHANGED = "idp_clients_changed"


def enabled_client(client_id: str) -> Client | None:
    """The enabled client ``client_id``, from memory when read recently; None if there is
    none or it is disabled (refusals are not remembered)."""
    ttl = current_app.config["CLIENT_CACHE_SECONDS"]
    if not ttl:
        return _load(client_id)
    cache: dict[str, tuple[float, int, Client]] = current_app.extensions["idp_client_cache"]
    now = time.monotonic()
    entry = cache.get(client_id)
    if entry is not None and entry[0] > now and entry[1] == _generation:
        return entry[2]
    generation = _generation
    client = _load(client_id)
    if client is None:
        cache.pop(client_id, None)
    else:
        cache[client_id] = (now + ttl, generation, client)
    return client


def _load(client_id: str) -> Client | None:
    row = db.session.execute(
        db.select(*(getattr(Client, name) for name in _COLUMNS))
        .where(Client.client_id == client_id, Client.disabled.is_(False))
    ).first()
    return Client(**row._asdict()) if row is not None else None


def init_app(app: Flask) -> None:
    """Give ``app`` its cache, and watch every database session for changes of clients."""
    app.extensions["idp_client_cache"] = {}
    if not event.contains(Session, "after_commit", _forget_after_commit):
        event.listen(Session, "before_flush", _note_changed_objects)
        event.listen(Session, "do_orm_execute", _note_changing_statement)
        event.listen(Session, "after_commit", _forget_after_commit)


def _note_changed_objects(session: Session, _context, _instances) -> None:
    if any(isinstance(obj, Client) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _note_changing_statement(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is Client.__mapper__:
        state.session.info[_CHANGED] = True


def _forget_after_commit(session: Session) -> None:
    global _generation
    if session.info.pop(_CHANGED, False):
        with _lock:
            _generation += 1
