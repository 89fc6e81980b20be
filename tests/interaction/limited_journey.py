"""Browsers from chosen IP addresses, and the 429 page, for the tests of the sign-in limits."""

from __future__ import annotations

from ..helpers import Actors
from .second_factor_journey import shown, start

TOO_MANY = "Trop de tentatives. Veuillez patienter avant de réessayer."


def browser(application, address="10.1.2.3"):
    """A browser of one person, from one IP address."""
    client = application.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in_screen(application, person, min_acr="pwd"):
    """A new authorization request of ``person``'s browser: its sign-in screen."""
    actors = Actors(application)
    rp = actors.rp(min_acr=min_acr)
    page, _ = start(person, actors, rp, prompt="login")
    return page


def assert_refused(response):
    """The French 429 page, with how long to wait."""
    assert response.status_code == 429
    assert TOO_MANY in shown(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60
