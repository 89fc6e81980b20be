"""How many SQL statements each sign-in screen of the e-mailed-code journey sends, and which:
the request and its client are read together, a count of failures that does not exist is not
deleted, and the browser's session is read once per request."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from idp.extensions import db

from .second_factor_journey import walk_emailed_code_journey


@contextlib.contextmanager
def recorded_statements(app):
    """The SQL statements sent while the block runs (whitespace folded), in a list."""
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_):
        sent.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_each_sign_in_screen_sends_only_the_statements_it_needs(app, client, actors,
                                                                 mail_catcher):
    statements = {}

    @contextlib.contextmanager
    def watch(name):
        with recorded_statements(app) as sent:
            yield
        statements[name] = sent

    walk_emailed_code_journey(client, actors, mail_catcher, watch)

    screens = ("sign-in page", "password", "code page", "code")
    assert {name: len(statements[name]) for name in screens} == {
        "sign-in page": 1,  # the request with its client
        "password": 10,  # request, account, count, audit; cap, challenge, code, audit, record
        "code page": 2,  # request with its client, account
        "code": 8,  # request, account, count, challenge, its use, audit, session, audit
    }
    for name in screens:  # the request and its client in one statement
        reads = [s for s in statements[name] if "FROM authorization_requests" in s]
        assert len(reads) == 1 and "JOIN clients" in reads[0], name
    for name in ("password", "code"):  # the count was read, found empty, left alone
        touching = [s for s in statements[name] if "failure_counters" in s]
        assert len(touching) == 1 and touching[0].startswith("SELECT"), name
    sessions_read = [s for s in statements["resume"]
                     if s.startswith("SELECT") and "FROM sso_sessions" in s]
    assert len(sessions_read) == 1  # settled before the view, then taken as read
