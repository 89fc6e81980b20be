"""Back-channel logout off the request path: a session found expired in a request asks for one
job per client, carrying ids only; the worker signs and POSTs the logout token, audits each
attempt and tries a refusing client again later."""

from __future__ import annotations

from datetime import timedelta

from joserfc import jwt

from idp.extensions import db
from idp.jobs.queue import pending_count, scheduled_count
from idp.models import JobAttempt, SsoSession
from idp.models.base import utcnow

from ..helpers import live_sessions
from ..oidc.test_backchannel_logout import Receiver, audit_events, published_keys
from .conftest import run_queued


def expire_sessions(app) -> None:
    with app.app_context():
        db.session.execute(db.update(SsoSession).values(
            last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()


def signed_in_to_two_clients(actors, client, first: Receiver, second: Receiver) -> str:
    """Alice signed in to two clients with back-channel logout; the sid of her session."""
    actors.user()
    actors.tokens(client, actors.rp(name="Webmail", backchannel_logout_uri=first.url()))
    id_token = actors.tokens(client, actors.rp(name="Agenda",
                                               backchannel_logout_uri=second.url()))["id_token"]
    return jwt.decode(id_token, published_keys(client)).claims["sid"]


def test_an_expired_session_noticed_in_a_request_sends_nothing_inline(app, client, actors,
                                                                      queued):
    first, second = Receiver(), Receiver()
    try:
        sid = signed_in_to_two_clients(actors, client, first, second)
        expire_sessions(app)

        assert client.get("/.well-known/openid-configuration").status_code == 200

        assert live_sessions(app) == 0
        assert first.received == [] and second.received == []  # nothing left in the request
        with app.app_context():
            assert pending_count() == 2
            waiting = [queued.huey.deserialize_task(item)
                       for item in queued.huey.storage.enqueued_items()]
        assert {task.name for task in waiting} == {"backchannel_logout"}
        assert all(set(task.kwargs) == {"session_id", "client_id", "locale"} for task in waiting)

        assert run_queued(queued) == 2

        for receiver in (first, second):
            [token] = receiver.tokens_for()
            assert jwt.decode(token, published_keys(client)).claims["sid"] == sid
    finally:
        first.close()
        second.close()
    assert len(audit_events(app, "logout.backchannel_sent")) == 2


def test_a_client_that_refuses_is_tried_again_after_a_backoff(app, client, actors, queued):
    refusing, willing = Receiver(status=503), Receiver()
    try:
        signed_in_to_two_clients(actors, client, refusing, willing)
        expire_sessions(app)
        client.get("/.well-known/openid-configuration")

        run_queued(queued)

        assert len(refusing.received) == 1 and len(willing.received) == 1
        with app.app_context():
            assert pending_count() == 0 and scheduled_count() == 1  # waiting for its retry
            outcomes = sorted(db.session.scalars(db.select(JobAttempt.outcome)))
        assert outcomes == ["done", "retry"]
        [failed] = audit_events(app, "logout.backchannel_failed")
        assert failed.detail["result"] == "HTTP 503"

        [retry] = queued.huey.scheduled()
        assert 14 < (retry.eta - utcnow()).total_seconds() <= 15  # JOB_RETRY_BASE_SECONDS
        refusing.status = 200
        retry.eta = None  # its time has come
        queued.huey.execute(retry)
        assert len(refusing.received) == 2
    finally:
        refusing.close()
        willing.close()
    with app.app_context():
        attempts = db.session.scalars(db.select(JobAttempt).where(
            JobAttempt.outcome != "done").order_by(JobAttempt.id)).all()
        job_id = attempts[0].job_id
        numbers = db.session.scalars(db.select(JobAttempt.attempt)
                                     .where(JobAttempt.job_id == job_id)
                                     .order_by(JobAttempt.attempt)).all()
    assert numbers == [1, 2]
    assert len(audit_events(app, "logout.backchannel_sent")) == 2
