"""A job leaves only once the unit of work that asked for it commits: a rolled-back request,
or a rolled-back savepoint, sends nothing; its secret travels sealed; immediate mode (the
tests' setting) also waits for the commit."""

from __future__ import annotations

import re

import pytest

from idp.accounts import password_reset
from idp.errors import ValidationError
from idp.extensions import db
from idp.jobs.payload import opened
from idp.jobs.queue import pending_count
from idp.models import JobAttempt, PasswordResetToken, User
from idp.security import digest

from ..helpers import as_an_edge
from .conftest import run_queued


@pytest.fixture
def alice(app, actors) -> int:
    actors.user()
    with app.app_context():
        return db.session.scalar(db.select(User.id))


def send_link(user_id: int) -> None:
    password_reset.send_link(db.session.get(User, user_id))


def test_a_job_is_queued_when_the_unit_of_work_commits_not_before(app, alice, queued):
    with app.app_context():
        send_link(alice)
        assert pending_count() == 0
        db.session.commit()
        assert pending_count() == 1


def test_a_rolled_back_unit_of_work_queues_nothing(app, alice, queued, mail_catcher):
    def send_then_refuse():
        send_link(alice)
        raise ValidationError("refusé à la dernière étape")

    with pytest.raises(ValidationError):
        as_an_edge(app, send_then_refuse)
    with app.app_context():
        assert pending_count() == 0 and mail_catcher.messages() == []
        assert db.session.scalar(db.select(PasswordResetToken)) is None


def test_a_commit_after_a_rollback_sends_nothing_of_what_was_rolled_back(app, alice, queued):
    with app.app_context():
        send_link(alice)
        db.session.rollback()
        db.session.commit()
        assert pending_count() == 0


def test_a_rolled_back_savepoint_takes_its_jobs_only(app, alice, queued):
    with app.app_context():
        send_link(alice)
        try:
            with db.session.begin_nested():
                send_link(alice)
                raise ValidationError("cette ligne est refusée")
        except ValidationError:
            pass
        db.session.commit()
        assert pending_count() == 1


def test_a_released_savepoint_s_jobs_wait_for_the_outer_commit(app, alice, queued):
    with app.app_context():
        with db.session.begin_nested():
            send_link(alice)
        assert pending_count() == 0  # SQLAlchemy calls a savepoint's release a commit
        db.session.commit()
        assert pending_count() == 1


def test_the_queued_token_is_sealed_and_the_worker_mails_the_link(app, alice, queued,
                                                                   mail_catcher):
    as_an_edge(app, send_link, alice)
    [stored] = queued.huey.storage.enqueued_items()
    payload = queued.huey.deserialize_task(stored).kwargs
    assert set(payload) == {"link_id", "token", "locale"}

    assert run_queued(queued) == 1

    [mail] = mail_catcher.messages("email")
    token = re.search(r"/password/reset/(\S+)", mail["text"]).group(1)
    assert token.encode() not in stored  # only sealed in the queue
    with app.app_context():
        assert opened(payload["token"]) == token
        link = db.session.get(PasswordResetToken, payload["link_id"])
        assert link.token_hash == digest(token)
        [attempt] = db.session.scalars(db.select(JobAttempt)).all()
    assert (attempt.task, attempt.attempt, attempt.outcome) == ("password_link", 1, "done")


def test_a_link_replaced_before_its_job_ran_is_not_sent(app, alice, queued, mail_catcher):
    as_an_edge(app, send_link, alice)
    as_an_edge(app, send_link, alice)  # the newer link makes the older one worthless

    assert run_queued(queued) == 2

    assert len(mail_catcher.messages("email")) == 1


def test_immediate_jobs_also_wait_for_the_commit(app, alice, mail_catcher):
    with app.app_context():
        send_link(alice)
        db.session.flush()
        assert mail_catcher.messages() == []
        db.session.commit()
        assert len(mail_catcher.messages("email")) == 1
