"""The browser's single sign-on session, read and settled: reading it (``current_session``)
changes nothing, even when it has expired; the step that ends an expired one
(``settle_session``) runs once per request, before the views, and announces the end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from idp.accounts.users import find_user
from idp.extensions import db
from idp.models import AuditEvent, SsoSession
from idp.models.base import utcnow
from idp.sessions.sso import current_session, end_session, settle_session, start_session

from ..helpers import live_sessions

COOKIE = "idp_session"


@pytest.fixture
def signed_in(app, client, actors):
    """A browser with a live session; its cookie header."""
    actors.user()
    actors.tokens(client, actors.rp())
    return {"Cookie": f"{COOKIE}={client.get_cookie(COOKIE).value}"}


def age(app, minutes: int) -> None:
    with app.app_context():
        db.session.execute(db.update(SsoSession).values(
            last_seen_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def ends(app) -> list[str]:
    with app.app_context():
        return [e.detail["reason"] for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == "session.ended"))]


def test_reading_an_expired_session_changes_nothing(app, signed_in):
    age(app, 31)
    with app.test_request_context("/", headers=signed_in):
        assert current_session() is None
        assert current_session() is None
        db.session.remove()
    assert live_sessions(app) == 1 and ends(app) == []


def test_settling_ends_an_expired_session_and_announces_it(app, signed_in):
    age(app, 31)
    with app.test_request_context("/", headers=signed_in):
        settle_session()
        db.session.remove()
    assert live_sessions(app) == 0 and ends(app) == ["idle"]


def test_settling_notes_the_use_of_a_live_session(app, signed_in):
    age(app, 5)
    with app.test_request_context("/", headers=signed_in):
        assert current_session() is not None
        settle_session()
        assert utcnow() - current_session().last_seen_at < timedelta(seconds=5)
        db.session.remove()


def test_every_request_settles_first(app, client, signed_in):
    age(app, 31)
    client.get("/.well-known/openid-configuration")
    assert live_sessions(app) == 0 and ends(app) == ["idle"]


def test_a_session_that_needs_no_change_adds_no_transaction(app, client, actors, signed_in):
    """The SSO session read before the views, unchanged, shares the view's one transaction:
    a signed-in browser's new authorization request is one transaction, one commit."""
    rp = actors.rp(name="Agenda")
    transactions = []

    def begin(connection):
        transactions.append(connection)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "begin", begin)
    try:
        response = client.get("/authorize", query_string=actors.auth_params(rp))
    finally:
        event.remove(engine, "begin", begin)
    assert response.status_code == 302 and "code=" in response.headers["Location"]
    assert len(transactions) == 1


def test_the_session_read_once_in_a_request_follows_its_end_and_a_rollback(app, signed_in):
    with app.test_request_context("/", headers=signed_in):
        sso = current_session()
        end_session(sso, "logout")
        assert current_session() is None  # ended in this request: no longer the browser's
        db.session.rollback()
        assert current_session() is sso  # the end was undone
        db.session.remove()


def test_a_session_started_then_rolled_back_reads_as_none(app, actors):
    email = actors.user()
    with app.test_request_context("/"):
        started = start_session(find_user(email), "mfa", ["pwd", "otp", "mfa"])
        assert current_session() is started
        db.session.rollback()
        assert current_session() is None  # its row is gone: read again, found nothing
        db.session.remove()
