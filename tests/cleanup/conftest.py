"""Fixtures of the cleanup tests: a person and a client the records belong to."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .records import user_id


@dataclass
class Owners:
    """Whose records: a person's id and a client's client_id."""

    user: int
    client: str


@pytest.fixture
def owners(app, actors) -> Owners:
    email = actors.user()
    return Owners(user_id(app, email), actors.rp().client_id)
