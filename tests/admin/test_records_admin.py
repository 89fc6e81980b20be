"""What support reads: the audit trail and the delivery records, filtered by person,
organisation, event and period; a referent reads only their organisation's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from idp import audit
from idp.admin import records
from idp.errors import NotFound, ValidationError
from idp.extensions import db
from idp.models import Delivery, User
from idp.models.base import utcnow

from .conftest import ALICE, BOB, ORG_A, ORG_B


@pytest.fixture
def history(app, world):
    """Two events and one delivery for Alice (A) and Bob (B); Bob's event is a day old."""
    with app.app_context():
        ids = dict(db.session.execute(db.select(User.email, User.id)).all())
        audit.record("login.password_ok", user_id=ids[ALICE])
        audit.record("login.code_failed", user_id=ids[ALICE], reason="wrong")
        old = audit.record("login.password_ok", user_id=ids[BOB])
        old.at = utcnow() - timedelta(days=1)
        for email in (ALICE, BOB):
            db.session.add(Delivery(user_id=ids[email], channel="email",
                                    destination="x***@example.org", status="sent"))
        db.session.commit()


def people(app, rows) -> set[str]:
    with app.app_context():
        return set(records.emails_of(r.user_id for r in rows).values())


def read(app, function, actor, **filters):
    with app.app_context():
        rows = getattr(records, function)(actor, **filters)
        return [(r, dict(r.detail) if hasattr(r, "detail") else None) for r in rows]


def test_a_referent_reads_only_their_organisations_records(app, world, history):
    for function in ("audit_trail", "deliveries"):
        mine = [row for row, _ in read(app, function, world.referent)]
        everyone = [row for row, _ in read(app, function, world.support)]
        assert ALICE in people(app, mine) and BOB not in people(app, mine)
        assert {ALICE, BOB} <= people(app, everyone)
    with pytest.raises(NotFound):
        read(app, "audit_trail", world.referent, person=BOB)


def test_the_trail_is_filtered_by_person_event_organisation_and_period(app, world, history):
    def events(**filters):
        return [row.event for row, _ in read(app, "audit_trail", world.support, **filters)
                if row.event.startswith("login.")]

    assert sorted(events(person=ALICE)) == ["login.code_failed", "login.password_ok"]
    assert events(event="login.code") == ["login.code_failed"]
    assert len(events(organisation=ORG_B)) == 1
    assert len(events(organisation=ORG_A, event="login.")) == 2
    assert len(events(since=utcnow() - timedelta(hours=1), person=BOB)) == 0
    assert len(events(until=utcnow() - timedelta(hours=1))) == 1
    with pytest.raises(ValidationError, match="précéder"):
        events(since=utcnow(), until=utcnow() - timedelta(days=2))


def test_the_cli_prints_the_trail_and_the_deliveries_as_json_lines(app, runner, world, history):
    trail = runner.invoke(args=["audit", "--person", ALICE, "--event", "login."])
    assert trail.exit_code == 0, trail.output
    rows = [json.loads(line) for line in trail.output.splitlines()]
    assert [r["event"] for r in rows] == ["login.code_failed", "login.password_ok"]
    assert rows[0]["person"] == ALICE and rows[0]["detail"] == {"reason": "wrong"}
    sent = runner.invoke(args=["deliveries", "--org", ORG_B])
    [delivery] = [json.loads(line) for line in sent.output.splitlines()]
    assert (delivery["person"], delivery["status"], delivery["destination"]) == (
        BOB, "sent", "x***@example.org")
    refused = runner.invoke(args=["audit", "--since", "yesterday"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
