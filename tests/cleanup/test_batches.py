"""Rows go in batches of the size asked, one DELETE each; a second run finds nothing; a record
that becomes live while the cleanup runs stays (the DELETE repeats the rule: no read of ids
followed by a delete by id alone)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from idp.accounts import lockout
from idp.extensions import db
from idp.models import AuthorizationCode, FailureCounter

from ..helpers import audit_events, counted_statements
from ..oidc.token_helpers import assert_tokens, refresh, userinfo
from . import records as r


def test_batches_smaller_than_the_rows_remove_them_all_one_delete_each(app, owners):
    r.add(app, *(r.code(owners.client, owners.user, r.ago(hours=2)) for _ in range(7)))
    live = r.add(app, *(r.code(owners.client, owners.user, r.ahead(minutes=1)) for _ in range(2)))

    with counted_statements(app) as statements:
        removed = r.cleanup(app, batch_size=3)

    assert removed["authorization_codes"] == 7
    assert r.count(app, AuthorizationCode) == 2
    assert r.count(app, AuthorizationCode, AuthorizationCode.id.in_(live)) == 2
    deletes = [s for s in statements if s.startswith("DELETE FROM authorization_codes")]
    assert len(deletes) == 3  # 3 + 3 + 1


def test_the_batch_size_comes_from_the_settings(app, owners, monkeypatch):
    monkeypatch.setitem(app.config, "CLEANUP_BATCH_SIZE", 2)
    r.add(app, *(r.code(owners.client, owners.user, r.ago(hours=2)) for _ in range(5)))

    with counted_statements(app) as statements:
        assert r.cleanup(app)["authorization_codes"] == 5

    assert len([s for s in statements if s.startswith("DELETE FROM authorization_codes")]) == 3


def test_running_twice_removes_nothing_the_second_time(app, owners):
    r.add(app, r.code(owners.client, owners.user, r.ago(hours=2)),
          r.sso_session(owners.user, r.ago(hours=1)), r.audit_event(r.ago(days=400)),
          r.failure_counter(r.ago(days=2)))

    first = r.cleanup(app)
    second = r.cleanup(app)

    assert first["sso_sessions_ended"] == 1 and first["authorization_codes"] == 1
    assert first["audit_events"] == 1 and first["failure_counters"] == 1
    assert set(second.values()) == {0}
    assert len(audit_events(app, "cleanup.removed")) == 1


def _waiting_on_a_lock(app) -> bool:
    """On PostgreSQL: another connection waits for a row lock (the cleanup's DELETE)."""
    with app.app_context():
        waiting = db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"))
        db.session.remove()
    return bool(waiting)


def test_a_counter_failed_again_while_the_cleanup_runs_stays(app):
    """A wrong password typed during the cleanup makes a forgotten counter live again."""
    with app.app_context():
        allowance = lockout.password_allowance("alice.martin@chu-test.mssante.fr", None)
    r.add(app, FailureCounter(key=allowance.key, kind=allowance.kind, failures=4,
                              last_failure_at=r.ago(days=2)))
    counted, release = threading.Event(), threading.Event()

    def wrong_password() -> None:
        with app.app_context():
            lockout.record_failure(allowance)
            counted.set()
            release.wait(30)
            db.session.commit()
            db.session.remove()

    results: list[dict] = []
    sign_in = threading.Thread(target=wrong_password)
    sign_in.start()
    assert counted.wait(30)
    cleaner = threading.Thread(target=lambda: results.append(r.cleanup(app)))
    cleaner.start()
    deadline = time.monotonic() + 10
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    while postgresql and not _waiting_on_a_lock(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not postgresql:
        time.sleep(0.5)  # SQLite: the cleanup waits for the write lock
    assert cleaner.is_alive()  # held up by the sign-in's transaction
    release.set()
    sign_in.join(30)
    cleaner.join(30)

    assert results[0]["failure_counters"] == 0
    assert r.count(app, FailureCounter, FailureCounter.key == allowance.key,
                   FailureCounter.failures == 1) == 1


def test_sign_ins_while_the_cleanup_runs_get_their_tokens_and_keep_them(app, client, actors,
                                                                        owners):
    """Many small batches run in another thread while a person signs in, redeems and
    refreshes, again and again until the cleanup ends: every step answers, only old rows go."""
    old = 3000
    r.add(app, *(r.code(owners.client, owners.user, r.ago(hours=2)) for _ in range(old)))
    r.add(app, *(r.token(owners.client, owners.user, f"old-{index // 2}", r.ago(days=1),
                         refresh_ends=r.ago(hours=2)) for index in range(old)))
    rp = actors.rp(name="Agenda")
    results: list[dict] = []
    cleaner = threading.Thread(target=lambda: results.append(r.cleanup(app, batch_size=10)))

    cleaner.start()
    answers, during = [], 0
    while cleaner.is_alive() or len(answers) < 2:
        tokens = actors.tokens(client, rp)
        answers.append(assert_tokens(refresh(client, rp, tokens["refresh_token"])))
        during += cleaner.is_alive()
    cleaner.join(120)

    assert during >= 1  # at least one sign-in ended while the cleanup was still at work
    assert (results[0]["authorization_codes"], results[0]["tokens"]) == (old, old)
    for answer in answers:
        assert userinfo(client, answer["access_token"]).status_code == 200
        assert_tokens(refresh(client, rp, answer["refresh_token"]))
