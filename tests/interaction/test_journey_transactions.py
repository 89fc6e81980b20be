"""How many database transactions each request of the e-mailed-code journey opens: one per
request (the unit of work), plus only the early commits that are the point: the code saved
before its e-mail leaves, and the code's single use before the session starts."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from idp.extensions import db

from ..helpers import pkce_pair
from .second_factor_journey import ALICE_PHONE, code_page, latest_code, password_step, type_code


@contextlib.contextmanager
def counted_transactions(app):
    """The number of transactions begun on the database while the block runs, in a list."""
    begun = [0]

    def begin(_connection):
        begun[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", begin)


def test_each_request_of_the_journey_opens_one_transaction_and_the_designed_early_ones(
        app, client, actors, mail_catcher):
    actors.user(phone=ALICE_PHONE)
    rp = actors.rp(min_acr="mfa")
    transactions = {}

    def step(name, call):
        with counted_transactions(app) as begun:
            response = call()
        transactions[name] = begun[0]
        return response

    _, challenge = pkce_pair()
    response = step("authorize", lambda: client.get("/authorize", query_string=actors.auth_params(
        rp, code_challenge=challenge, code_challenge_method="S256")))
    page = step("sign-in page", lambda: client.get(response.headers["Location"]))
    response = step("password", lambda: password_step(client, page, "email"))
    screen = step("code page", lambda: code_page(client, response))
    response = step("code", lambda: type_code(client, screen, latest_code(mail_catcher)))
    response = step("resume", lambda: client.get(response.headers["Location"]))

    assert response.status_code == 302 and response.headers["Location"].startswith(
        rp.redirect_uri)
    assert transactions == {
        "authorize": 1, "sign-in page": 1, "code page": 1,
        "password": 2,  # the code is saved before its e-mail leaves, then its delivery record
        "code": 2,  # the code's single use is committed before the session starts
        "resume": 1,  # the SSO session, only read, joins the view's transaction
    }
