"""Helpers shared by the tests of client administration: running `idp clients`, registering a
client with it, checking a refusal, and a snapshot of what an action could change."""

from __future__ import annotations

import json

from idp.admin import clients as admin_clients
from idp.extensions import db
from idp.models import AuditEvent, Client

from ..helpers import RP

SERVICE = ("--grant-type", "client_credentials", "--scope", "profile email")


def clients(runner, *args):
    """Run `idp clients ARGS`."""
    return runner.invoke(args=["clients", *args])


def create(runner, *args) -> RP:
    """Register a client with `idp clients create --json`."""
    result = clients(runner, "create", "--name", "Webmail", "--json", *args)
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.stdout)
    return RP(credentials["client_id"], credentials["client_secret"])


def refused(result, message: str) -> None:
    """A non-zero exit with one French line saying why, and no traceback."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.output


def state(app, client_id: str | None = None) -> tuple:
    """What an action could change: the client as shown, its secrets, and the audit trail."""
    with app.app_context():
        counts = (db.session.scalar(db.select(db.func.count(Client.id))),
                  db.session.scalar(db.select(db.func.count(AuditEvent.id))))
        client = client_id and db.session.scalar(
            db.select(Client).where(Client.client_id == client_id))
        shown = client and (admin_clients.describe(client), client.secret_hash,
                            client.previous_secret_hash)
        db.session.commit()
        db.session.remove()
    return counts, shown
