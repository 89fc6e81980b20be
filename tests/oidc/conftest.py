"""Fixtures shared by the protocol tests."""

import pytest


@pytest.fixture
def rp(actors):
    """Alice, and a first-party confidential client whose minimum level is the password."""
    actors.user()
    return actors.rp()
