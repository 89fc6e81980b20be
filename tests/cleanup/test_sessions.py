"""A session past its limit is ended through the sessions service, its clients told by
back-channel logout, before its row goes; an ended session goes with the rows naming it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from joserfc import jwt

from idp.cleanup import SETTLING
from idp.extensions import db
from idp.models import SessionClient, SsoSession, UpstreamLogin
from idp.sessions.sso import end_if_past_limits

from ..helpers import audit_events, live_sessions
from ..oidc.test_backchannel_logout import Receiver
from ..oidc.token_helpers import provider_keys
from . import records as r


@pytest.fixture
def receiver():
    """The back-channel logout endpoint of a client, a real HTTP server on this machine."""
    started = Receiver()
    yield started
    started.close()


def _last_seen(app, moment) -> str:
    """Let the one session of the test have been used last at ``moment``; its sid."""
    with app.app_context():
        sso = db.session.scalar(db.select(SsoSession))
        sso.last_seen_at = moment
        sid = sso.sid
        db.session.commit()
        db.session.remove()
    return sid


def test_a_session_idle_too_long_is_ended_and_its_clients_told_before_it_goes(
        app, client, actors, receiver):
    actors.user()
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    actors.tokens(client, rp)
    idle = timedelta(seconds=app.config["SESSION_IDLE_SECONDS"])
    sid = _last_seen(app, r.ago() - idle - timedelta(minutes=1))

    assert r.cleanup(app)["sso_sessions_ended"] == 1

    [logout_token] = receiver.tokens_for("/bcl")
    assert jwt.decode(logout_token, provider_keys(client)).claims["sid"] == sid
    [ended] = audit_events(app, "session.ended")
    assert ended.detail["reason"] == "idle" and ended.detail["sid"] == sid
    assert live_sessions(app) == 0
    assert r.count(app, SsoSession) == 1  # ended just now: it stays while requests settle

    removed = r.cleanup(app, now=r.ahead() + SETTLING)

    assert (removed["sso_sessions_ended"], removed["sso_sessions"]) == (0, 1)
    assert r.count(app, SsoSession) == r.count(app, SessionClient) == 0
    assert len(receiver.received) == 1  # told once


def test_a_session_past_its_absolute_limit_ends_though_it_was_just_used(app, owners):
    absolute = timedelta(seconds=app.config["SESSION_ABSOLUTE_SECONDS"])
    r.add(app, r.sso_session(owners.user, last_seen=r.ago(),
                             created=r.ago() - absolute - timedelta(minutes=1)))

    assert r.cleanup(app)["sso_sessions_ended"] == 1

    [ended] = audit_events(app, "session.ended")
    assert ended.detail["reason"] == "absolute"


def test_a_live_session_and_its_clients_stay(app, client, actors, receiver):
    actors.user()
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    tokens = actors.tokens(client, rp)

    removed = r.cleanup(app)

    assert (removed["sso_sessions_ended"], removed["sso_sessions"]) == (0, 0)
    assert live_sessions(app) == 1 and r.count(app, SessionClient) == 1
    assert receiver.received == []
    assert client.get("/userinfo", headers={
        "Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200


def test_an_ended_session_goes_with_its_clients_and_upstream_sign_in(app, owners):
    old, recent = r.add(app, r.sso_session(owners.user, r.ago(hours=3), ended=r.ago(hours=2)),
                        r.sso_session(owners.user, r.ago(minutes=2), ended=r.ago(minutes=1)))
    r.add(app, r.session_client(old, owners.client), r.session_client(recent, owners.client),
          r.upstream_login(old), r.upstream_login(recent))

    assert r.cleanup(app)["sso_sessions"] == 1

    assert r.count(app, SsoSession, SsoSession.id == old) == 0
    assert r.count(app, SessionClient, SessionClient.session_id == old) == 0
    assert r.count(app, UpstreamLogin, UpstreamLogin.sso_session_id == old) == 0
    assert r.count(app, SessionClient, SessionClient.session_id == recent) == 1
    assert r.count(app, UpstreamLogin, UpstreamLogin.sso_session_id == recent) == 1


def test_sessions_past_their_limits_are_all_ended_whatever_the_batch_size(app, owners):
    r.add(app, *(r.sso_session(owners.user, r.ago(hours=2)) for _ in range(5)))
    r.add(app, r.sso_session(owners.user, r.ago()))

    assert r.cleanup(app, batch_size=2)["sso_sessions_ended"] == 5
    assert live_sessions(app) == 1


def test_a_session_used_again_after_it_was_read_is_not_ended(app, owners):
    """The end is taken by a conditional UPDATE: a session its browser used since the cleanup
    read it is past no limit any more, and stays."""
    [session_id] = r.add(app, r.sso_session(owners.user, r.ago(hours=2)))
    with app.app_context():
        stale = db.session.get(SsoSession, session_id)  # read while idle too long
        with db.engine.begin() as browser:  # then the browser comes back
            browser.execute(db.update(SsoSession).values(last_seen_at=r.ago()))

        assert stale.last_seen_at < r.ago(hours=1)
        assert end_if_past_limits(session_id, r.ago()) is False
        db.session.commit()
        db.session.remove()

    assert live_sessions(app) == 1
    assert audit_events(app, "session.ended") == []
