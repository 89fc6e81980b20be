"""How many database transactions each request of the e-mailed-code journey opens: one per
request (the unit of work), plus only the early commits that are the point: the code saved
before its e-mail leaves, and the code's single use before the session starts."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from idp.extensions import db

from .second_factor_journey import walk_emailed_code_journey


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
    transactions = {}

    @contextlib.contextmanager
    def watch(name):
        with counted_transactions(app) as begun:
            yield
        transactions[name] = begun[0]

    walk_emailed_code_journey(client, actors, mail_catcher, watch)

    assert transactions == {
        "authorize": 1, "sign-in page": 1, "code page": 1,
        "password": 2,  # the code is saved before its e-mail leaves, then its delivery record
        "code": 2,  # the code's single use is committed before the session starts
        "resume": 1,  # the SSO session, only read, joins the view's transaction
    }
