"""Two organisations and the people of the administration: a referent of the first, a support
agent, an administrator, and one ordinary account in each organisation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from idp.accounts.organisations import create_organisation
from idp.admin.actors import Actor, actor_for_user
from idp.extensions import db
from idp.models import User

ORG_A, ORG_B = "750000001", "750000002"
ALICE = "alice.martin@chu-a.mssante.fr"  # user, organisation A
BOB = "bob.durand@chu-b.mssante.fr"  # user, organisation B
RITA = "rita.referente@chu-a.mssante.fr"  # referent of A
SAM = "sam.support@mssante.fr"  # support
ADA = "ada.admin@mssante.fr"  # administrator


@dataclass
class World:
    """The actors of a test, by role."""

    referent: Actor
    support: Actor
    admin: Actor


@pytest.fixture
def world(app, actors) -> World:
    with app.app_context():
        create_organisation(ORG_A, "CHU A")
        create_organisation(ORG_B, "CHU B")
    actors.user(ALICE, name="Alice Martin", notification_email="alice@example.org",
                organisation_code=ORG_A, phone="+33611223344")
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org",
                organisation_code=ORG_B)
    actors.user(RITA, name="Rita Référente", notification_email="rita@example.org",
                organisation_code=ORG_A, role="referent")
    actors.user(SAM, name="Sam Support", notification_email="sam@example.org", role="support")
    actors.user(ADA, name="Ada Admin", notification_email="ada@example.org", role="admin")
    with app.app_context():
        def actor(email):
            return actor_for_user(db.session.scalar(db.select(User).where(User.email == email)))
        world = World(actor(RITA), actor(SAM), actor(ADA))
        db.session.remove()
    return world
