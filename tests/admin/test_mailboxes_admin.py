"""Administration of mailboxes through the service functions and the `idp mailboxes` commands:
a referent manages their organisation's organisational mailboxes and who may open them, support
only reads, an administrator acts anywhere; what they grant is what the `mailboxes` claim
lists."""

from __future__ import annotations

import json

import pytest

from idp.accounts.mailboxes import mailboxes_for
from idp.admin import mailboxes
from idp.errors import Conflict, Forbidden, NotFound, ValidationError
from idp.extensions import db
from idp.models import AuditEvent, Mailbox, MailboxAccess, User

from ..helpers import as_an_edge, audit_events
from .conftest import ADA, ALICE, BOB, ORG_A, ORG_B, RITA

SECRETARIAT_A = "secretariat@chu-a.mssante.fr"
ACCUEIL_B = "accueil@chu-b.mssante.fr"


@pytest.fixture
def boxes(app, world):
    """An organisational mailbox in each organisation; Bob may open B's."""
    run(app, "create_mailbox", world.admin, SECRETARIAT_A, "ORG", "Secrétariat", ORG_A)
    run(app, "create_mailbox", world.admin, ACCUEIL_B, "ORG", "Accueil", ORG_B, sensitive=True)
    run(app, "grant", world.admin, ACCUEIL_B, BOB)
    return world


def run(app, action: str, actor, *args, **kwargs):
    """Call the admin function ``action`` as ``actor``, as an edge does."""
    return as_an_edge(app, getattr(mailboxes, action), actor, *args, **kwargs)


def state(app) -> tuple:
    """Every mailbox with the people who may open it, and the size of the audit trail."""
    with app.app_context():
        described = [mailboxes.describe_mailbox(m)
                     for m in db.session.scalars(db.select(Mailbox).order_by(Mailbox.address))]
        audit = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
        db.session.commit()
        db.session.remove()
    return described, audit


def claim(app, email: str) -> list[dict]:
    """The `mailboxes` claim of ``email``."""
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == email))
        return mailboxes_for(user_id)


def people(app, address: str) -> list[str]:
    with app.app_context():
        box = db.session.scalar(db.select(Mailbox).where(Mailbox.address == address))
        return [p["address"] for p in mailboxes.describe_mailbox(box)["people"]]


OUT_OF_REACH = [  # a referent of A on B's mailbox, or with B's person
    ("update_mailbox", (ACCUEIL_B,), {"name": "Accueil général"}),
    ("update_mailbox", (ACCUEIL_B,), {"sensitive": False}),
    ("grant", (ACCUEIL_B, ALICE), {}),
    ("grant", (SECRETARIAT_A, BOB), {}),
    ("revoke", (ACCUEIL_B, BOB), {}),
    ("revoke", (SECRETARIAT_A, BOB), {}),
    ("delete_mailbox", (ACCUEIL_B,), {}),
    ("mailbox", (ACCUEIL_B,), {}),
    ("create_mailbox", ("standard@chu-b.mssante.fr", "ORG", "Standard", ORG_B), {}),
]


@pytest.mark.parametrize(("action", "args", "kwargs"), OUT_OF_REACH,
                         ids=[f"{a}-{'-'.join(args[:2])}" for a, args, _ in OUT_OF_REACH])
def test_a_referent_cannot_reach_another_organisations_mailbox_or_person(app, boxes, action,
                                                                         args, kwargs):
    before = state(app)
    with pytest.raises(NotFound, match="n'existe pas"):
        run(app, action, boxes.referent, *args, **kwargs)
    assert state(app) == before


WRITES = [
    ("create_mailbox", ("standard@chu-a.mssante.fr", "ORG", "Standard", ORG_A), {}),
    ("update_mailbox", (SECRETARIAT_A,), {"sensitive": True}),
    ("grant", (SECRETARIAT_A, ALICE), {}),
    ("revoke", (ACCUEIL_B, BOB), {}),
    ("delete_mailbox", (SECRETARIAT_A,), {}),
]


@pytest.mark.parametrize(("action", "args", "kwargs"), WRITES, ids=[w[0] for w in WRITES])
def test_support_reads_every_mailbox_but_changes_nothing(app, boxes, action, args, kwargs):
    with app.app_context():
        assert {m.address for m in mailboxes.list_mailboxes(boxes.support)} == {
            SECRETARIAT_A, ACCUEIL_B}
        assert mailboxes.mailbox(boxes.support, ALICE).type == "PER"
    before = state(app)
    with pytest.raises(Forbidden):
        run(app, action, boxes.support, *args, **kwargs)
    assert state(app) == before


def test_a_referent_manages_their_organisations_mailboxes_and_is_audited(app, boxes):
    standard = "standard@chu-a.mssante.fr"
    created = run(app, "create_mailbox", boxes.referent, standard, "app", "Standard")
    assert created.type == "APP"
    run(app, "update_mailbox", boxes.referent, standard, name="Standard", sensitive=True)
    assert run(app, "grant", boxes.referent, standard, ALICE) is True
    assert run(app, "grant", boxes.referent, standard, RITA) is True
    assert run(app, "revoke", boxes.referent, standard, RITA) is True
    with app.app_context():
        described = mailboxes.describe_mailbox(mailboxes.mailbox(boxes.referent, standard))
    assert described == {"address": standard, "type": "APP", "name": "Standard",
                         "organisation": ORG_A, "sensitive": True,
                         "people": [{"address": ALICE, "name": "Alice Martin"}]}
    run(app, "delete_mailbox", boxes.referent, standard)
    with app.app_context():
        assert db.session.scalar(db.select(Mailbox).where(Mailbox.address == standard)) is None
        # left: the five personal mailboxes and Bob's right to B's, not Alice's to the deleted one
        assert db.session.scalar(db.select(db.func.count(MailboxAccess.id))) == 6
    for event in ("created", "updated", "access_granted", "access_revoked", "deleted"):
        assert RITA in [e.detail["by"] for e in audit_events(app, f"admin.mailbox_{event}")]


def test_a_referent_lists_only_their_organisations_shared_mailboxes(app, boxes):
    with app.app_context():
        assert [m.address for m in mailboxes.list_mailboxes(boxes.referent)] == [SECRETARIAT_A]
        assert [m.address for m in mailboxes.list_mailboxes(boxes.referent, ORG_A)] == [
            SECRETARIAT_A]
        assert [m.address for m in mailboxes.list_mailboxes(boxes.admin, ORG_B)] == [ACCUEIL_B]
        with pytest.raises(NotFound):
            mailboxes.list_mailboxes(boxes.referent, ORG_B)


def test_an_administrator_acts_in_any_organisation(app, boxes):
    run(app, "update_mailbox", boxes.admin, ACCUEIL_B, sensitive=False)
    run(app, "grant", boxes.admin, SECRETARIAT_A, BOB)
    run(app, "revoke", boxes.admin, ACCUEIL_B, BOB)
    assert people(app, SECRETARIAT_A) == [BOB]
    assert people(app, ACCUEIL_B) == []
    assert [e.detail["by"] for e in audit_events(app, "admin.mailbox_access_revoked")] == [ADA]


def test_a_grant_feeds_the_mailboxes_claim_with_the_sensitive_flag_and_a_revoke_removes_it(
        app, boxes):
    assert [m["address"] for m in claim(app, ALICE)] == [ALICE]
    run(app, "update_mailbox", boxes.referent, SECRETARIAT_A, sensitive=True)
    run(app, "grant", boxes.referent, SECRETARIAT_A, ALICE)
    assert claim(app, ALICE) == [
        {"address": ALICE, "type": "PER", "name": "Alice Martin", "sensitive": False},
        {"address": SECRETARIAT_A, "type": "ORG", "name": "Secrétariat", "sensitive": True},
    ]
    run(app, "update_mailbox", boxes.referent, SECRETARIAT_A, sensitive=False)
    assert claim(app, ALICE)[1]["sensitive"] is False
    run(app, "revoke", boxes.referent, SECRETARIAT_A, ALICE)
    assert [m["address"] for m in claim(app, ALICE)] == [ALICE]


def test_deleting_a_mailbox_takes_it_out_of_everyones_claim(app, boxes):
    run(app, "delete_mailbox", boxes.admin, ACCUEIL_B)
    assert [m["address"] for m in claim(app, BOB)] == [BOB]
    [event] = audit_events(app, "admin.mailbox_deleted")
    assert event.detail["accesses_removed"] == 1


def test_granting_twice_is_harmless_and_revoking_an_absent_right_too(app, boxes):
    assert run(app, "grant", boxes.referent, SECRETARIAT_A, ALICE) is True
    before = state(app)
    assert run(app, "grant", boxes.referent, SECRETARIAT_A, ALICE) is False
    assert state(app) == before
    assert run(app, "revoke", boxes.referent, SECRETARIAT_A, RITA) is False
    assert state(app) == before


def test_the_owner_keeps_their_personal_mailbox(app, boxes):
    before = state(app)
    for actor in (boxes.referent, boxes.admin):
        with pytest.raises(ValidationError, match="boîte personnelle"):
            run(app, "revoke", actor, ALICE, ALICE)
    assert state(app) == before
    assert ALICE in [m["address"] for m in claim(app, ALICE)]


@pytest.mark.parametrize(("action", "args", "kwargs", "error", "message"), [
    ("create_mailbox", ("perso@chu-a.mssante.fr", "PER", "Perso"), {}, ValidationError,
     "avec son compte"),
    ("create_mailbox", ("x@chu-a.mssante.fr", "XYZ", "X"), {}, ValidationError, "ORG"),
    ("create_mailbox", ("pas une adresse", "ORG", "X"), {}, ValidationError, "valide"),
    ("create_mailbox", ("x@chu-a.mssante.fr", "ORG", "  "), {}, ValidationError, "obligatoire"),
    ("create_mailbox", (SECRETARIAT_A, "ORG", "Doublon"), {}, Conflict, "existe déjà"),
    ("create_mailbox", (ALICE, "ORG", "Alice"), {}, Conflict, "existe déjà"),
    ("update_mailbox", (SECRETARIAT_A,), {"name": ""}, ValidationError, "obligatoire"),
    ("update_mailbox", (SECRETARIAT_A,), {"name": "x" * 256}, ValidationError, "255"),
    ("delete_mailbox", (ALICE,), {}, ValidationError, "disparaît avec son compte"),
    ("grant", (SECRETARIAT_A, "personne@chu-a.mssante.fr"), {}, NotFound, "n'existe pas"),
    ("grant", ("inconnue@chu-a.mssante.fr", ALICE), {}, NotFound, "n'existe pas"),
])
def test_bad_input_is_refused_in_french_and_changes_nothing(app, boxes, action, args, kwargs,
                                                            error, message):
    before = state(app)
    with pytest.raises(error, match=message):
        run(app, action, boxes.referent, *args, **kwargs)
    assert state(app) == before


def test_an_administrator_says_which_organisation_a_new_mailbox_belongs_to(app, boxes):
    before = state(app)
    with pytest.raises(ValidationError, match="structure"):
        run(app, "create_mailbox", boxes.admin, "x@chu-a.mssante.fr", "ORG", "X")
    with pytest.raises(NotFound, match="structure"):
        run(app, "create_mailbox", boxes.admin, "x@chu-a.mssante.fr", "ORG", "X", "999")
    assert state(app) == before


def test_the_cli_runs_every_mailbox_action(app, runner, world):
    standard = "standard@chu-a.mssante.fr"
    for args, said in [
        (["mailboxes", "create", standard, "--type", "ORG", "--name", "Standard", "--org", ORG_A,
          "--sensitive"], "sensible"),
        (["mailboxes", "update", standard, "--name", "Standard CHU A", "--not-sensitive"],
         "modifiée"),
        (["mailboxes", "grant", standard, ALICE], "Accès accordé"),
        (["mailboxes", "grant", standard, ALICE], "déjà"),
        (["mailboxes", "list", "--org", ORG_A], f"{standard}\tORG\tStandard CHU A"),
        (["mailboxes", "show", standard], ALICE),
        (["mailboxes", "revoke", standard, ALICE], "Accès retiré"),
        (["mailboxes", "revoke", standard, ALICE], "rien n'a changé"),
        (["mailboxes", "delete", standard], "supprimée"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
        assert said in result.output, (args, result.output)
    assert [e.detail["by"] for e in audit_events(app, "admin.mailbox_deleted")] == ["cli"]


def test_the_cli_lists_mailboxes_as_json(app, runner, boxes):
    result = runner.invoke(args=["mailboxes", "list", "--json"])
    assert result.exit_code == 0
    listed = [json.loads(line) for line in result.output.splitlines()]
    assert [(m["address"], m["sensitive"], m["people"]) for m in listed] == [
        (ACCUEIL_B, True, [{"address": BOB, "name": "Bob Durand"}]),
        (SECRETARIAT_A, False, []),
    ]


@pytest.mark.parametrize("args", [
    ["mailboxes", "create", "x@chu-a.mssante.fr", "--type", "ORG", "--name", "X"],
    ["mailboxes", "update", "inconnue@chu-a.mssante.fr", "--name", "X"],
    ["mailboxes", "grant", SECRETARIAT_A, "personne@chu-a.mssante.fr"],
    ["mailboxes", "revoke", ALICE, ALICE],
    ["mailboxes", "delete", ALICE],
])
def test_the_cli_explains_a_refusal_in_one_french_line(app, runner, boxes, args):
    before = state(app)
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1
    assert state(app) == before
