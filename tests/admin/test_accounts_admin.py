"""Administration of accounts through the service functions and the `idp users` commands: what
each role may do, the referent kept to their organisation, nothing changed on a refusal."""

from __future__ import annotations

import re

import pytest

from idp.accounts import lockout
from idp.accounts.users import check_password
from idp.admin import accounts
from idp.errors import Forbidden, NotFound
from idp.extensions import db
from idp.factors import recovery, totp
from idp.models import AuditEvent, PasswordResetToken, SsoSession, User
from idp.models.base import utcnow

from ..helpers import PASSWORD, as_an_edge, audit_events, counted_statements, live_sessions
from .conftest import ADA, ALICE, BOB, ORG_A, ORG_B, RITA

WRITES = [
    ("update_account", {"name": "Robert Durand"}),
    ("set_enabled", {"enabled": False}),
    ("unlock", {}),
    ("send_password_reset", {}),
    ("reset_factors", {}),
    ("end_sessions", {}),
    ("set_psc_identity", {"national_id": "810001234567"}),
]


def state(app, email: str) -> tuple:
    """Everything an action could change about an account, and the size of the audit trail."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        described = accounts.describe(user)
        audit = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
        links = db.session.scalar(db.select(db.func.count(PasswordResetToken.id)))
        db.session.commit()
        db.session.remove()
    return described, audit, links


def run(app, action: str, actor, *args, **kwargs):
    """Call the admin function ``action`` as ``actor``, as an edge does."""
    return as_an_edge(app, getattr(accounts, action), actor, *args, **kwargs)


@pytest.mark.parametrize(("action", "kwargs"), WRITES, ids=[w[0] for w in WRITES])
def test_a_referent_cannot_touch_another_organisations_account(app, world, action, kwargs):
    before = state(app, BOB)
    with pytest.raises(NotFound, match="n'existe pas"):
        run(app, action, world.referent, BOB, **kwargs)
    assert state(app, BOB) == before


@pytest.mark.parametrize(("action", "kwargs"), WRITES, ids=[w[0] for w in WRITES])
def test_support_reads_but_changes_nothing(app, world, action, kwargs):
    assert run(app, "account", world.support, BOB).email == BOB
    before = state(app, ALICE)
    with pytest.raises(Forbidden):
        run(app, action, world.support, ALICE, **kwargs)
    assert state(app, ALICE) == before


@pytest.mark.parametrize(("action", "kwargs"), WRITES, ids=[w[0] for w in WRITES])
def test_a_referent_acts_on_their_organisation_and_is_audited(app, world, action, kwargs,
                                                             mail_catcher):
    run(app, action, world.referent, ALICE, **kwargs)
    with app.app_context():
        by = [e.detail.get("by") or e.detail.get("linked_by")
              for e in db.session.scalars(db.select(AuditEvent)) if e.event.startswith(
                  ("admin.", "federation."))]
    assert RITA in by


def test_a_referent_sees_only_their_organisation(app, world):
    with app.app_context():
        seen = {u.email for u in accounts.list_accounts(world.referent)}
        everyone = {u.email for u in accounts.list_accounts(world.support)}
    assert ALICE in seen and RITA in seen and BOB not in seen
    assert {ALICE, BOB} <= everyone


@pytest.mark.parametrize(("search", "found"), [
    ("a_b", ["a_b.lopez@chu-a.mssante.fr"]),
    ("%", ["cent%.pour@chu-a.mssante.fr"]),
    ("_", ["a_b.lopez@chu-a.mssante.fr"]),
    ("axb", ["axb.lopez@chu-a.mssante.fr"]),
    ("LOPEZ", ["a_b.lopez@chu-a.mssante.fr", "axb.lopez@chu-a.mssante.fr"]),
])
def test_the_search_takes_percent_and_underscore_literally(app, world, search, found):
    """A search for "a_b" is not a pattern where "_" stands for any character."""
    for address in ("a_b.lopez@chu-a.mssante.fr", "axb.lopez@chu-a.mssante.fr",
                    "cent%.pour@chu-a.mssante.fr"):
        run(app, "create_account", world.admin, address, "Ana Lopez" if "lopez" in address
            else "Cent Pour", "x@example.org", organisation=ORG_A)
    with app.app_context():
        assert [u.email for u in accounts.list_accounts(world.admin, search)] == found


def test_a_referent_manages_neither_roles_nor_the_platforms_staff(app, world):
    with pytest.raises(Forbidden):
        run(app, "update_account", world.referent, ALICE, role="admin")
    with pytest.raises(Forbidden):
        run(app, "create_account", world.referent, "x.y@chu-a.mssante.fr", "X Y",
            "xy@example.org", role="referent")
    with app.app_context():
        ada = db.session.scalar(db.select(User).where(User.email == ADA))
        ada.organisation_id = db.session.scalar(db.select(User.organisation_id)
                                                .where(User.email == ALICE))
        db.session.commit()
    with pytest.raises(Forbidden):
        run(app, "set_enabled", world.referent, ADA, enabled=False)


def test_a_new_account_gets_a_link_to_choose_its_password_never_a_password(
        app, client, world, mail_catcher):
    run(app, "create_account", world.referent, "nina.petit@chu-a.mssante.fr", "Nina Petit",
        "nina@example.org", organisation=None)
    with app.app_context():
        nina = db.session.scalar(db.select(User).where(User.email == "nina.petit@chu-a.mssante.fr"))
        assert nina.password_hash is None and nina.organisation.code == ORG_A
    [mail] = mail_catcher.messages("email")
    assert mail["to"] == ["nina@example.org"]
    assert "choisissez votre mot de passe" in mail["subject"]
    link = re.search(r"http://localhost(/password/reset/\S+)", mail["text"]).group(1)
    page = client.get(link)
    assert page.status_code == 200 and 'name="password"' in page.text


def test_a_referent_cannot_create_in_another_organisation(app, world):
    with pytest.raises(NotFound):
        run(app, "create_account", world.referent, "x.y@chu-b.mssante.fr", "X Y",
            "xy@example.org", organisation=ORG_B)
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "x.y@chu-b.mssante.fr")) \
            is None


def test_disabling_ends_the_sessions_and_enabling_lets_the_person_back(app, world):
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        now = utcnow()
        db.session.add(SsoSession(sid="s1", secret_hash="h1", user_id=alice.id, acr="mfa",
                                  amr=["pwd", "otp"], auth_time=now, created_at=now,
                                  last_seen_at=now))
        db.session.commit()
    run(app, "set_enabled", world.admin, ALICE, enabled=False)
    assert live_sessions(app) == 0
    with app.app_context():
        assert check_password(ALICE, PASSWORD) is None
    run(app, "set_enabled", world.admin, ALICE, enabled=True)
    with app.app_context():
        assert check_password(ALICE, PASSWORD) is not None


def test_unlocking_clears_the_growing_delays(app, world):
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        allowances = (lockout.password_allowance(ALICE, alice.id),
                      lockout.password_allowance(ALICE, alice.id, device="her-laptop"),
                      lockout.code_allowance(alice.id))
        for allowance in allowances:
            for _ in range(10):
                lockout.record_failure(allowance)
        db.session.commit()
        assert all(lockout.seconds_blocked(a) > 0 for a in allowances)
        db.session.commit()
        db.session.remove()
    run(app, "unlock", world.referent, ALICE)
    with app.app_context():
        assert [lockout.seconds_blocked(a) for a in allowances] == [0, 0, 0]


def test_resetting_factors_removes_the_authenticator_and_recovery_codes(app, world):
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        totp.start_enrolment(alice)
        recovery.generate(alice)
        db.session.commit()
        db.session.remove()
    run(app, "reset_factors", world.referent, ALICE)
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        assert totp.credential_of(alice) is None and recovery.remaining(alice) == 0
    [event] = audit_events(app, "admin.factors_reset")
    assert event.detail["recovery_codes_revoked"] == app.config["RECOVERY_CODES_COUNT"]


def test_a_password_reset_sends_a_link_and_the_old_password_still_works(app, client, world,
                                                                        actors, mail_catcher):
    run(app, "send_password_reset", world.referent, ALICE)
    [mail] = mail_catcher.messages("email")
    assert mail["to"] == ["alice@example.org"] and "/password/reset/" in mail["text"]
    with app.app_context():
        assert check_password(ALICE, PASSWORD) is not None


def test_the_cli_runs_every_account_action(app, runner, world, mail_catcher):
    for args, said in [
        (["users", "update", ALICE, "--name", "Alice Dupont", "--phone", ""], "modifié"),
        (["users", "disable", ALICE], "désactivé"),
        (["users", "enable", ALICE], "réactivé"),
        (["users", "unlock", ALICE], "débloqué"),
        (["users", "send-password-reset", ALICE], "envoyé"),
        (["users", "reset-factors", ALICE], "supprimés"),
        (["users", "end-sessions", ALICE], "terminées"),
        (["users", "show", ALICE], '"family_name": "Dupont"'),
        (["users", "list", "--org", ORG_A], ALICE),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
        assert said in result.output, (args, result.output)
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        assert (alice.family_name, alice.phone, alice.status) == ("Dupont", None, "active")
    assert [e.detail["by"] for e in audit_events(app, "admin.account_disabled")] == ["cli"]


def test_the_cli_creates_an_account_that_chooses_its_own_password(app, runner, world,
                                                                  mail_catcher):
    result = runner.invoke(args=["users", "create", "nina.petit@chu-a.mssante.fr", "--name",
                                 "Nina Petit", "--notification-email", "nina@example.org",
                                 "--org", ORG_A])
    assert result.exit_code == 0 and "lien pour choisir le mot de passe" in result.output
    assert mail_catcher.messages("email")[0]["to"] == ["nina@example.org"]


@pytest.mark.parametrize("args", [
    ["users", "disable", "nobody@chu-a.mssante.fr"],
    ["users", "update", ALICE, "--phone", "12"],
    ["users", "update", ALICE, "--org", "999999999"],
])
def test_the_cli_explains_a_refusal_in_one_french_line(app, runner, world, args):
    before = state(app, ALICE)
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1
    assert state(app, ALICE) == before


def test_a_page_of_accounts_costs_the_same_queries_whatever_its_length(app, world):
    """The list describes every account in a handful of queries, not a few per account."""
    def queries_for_a_page() -> int:
        with app.app_context(), counted_statements(app) as statements:
            accounts.describe_all(accounts.list_accounts(world.admin))
            db.session.commit()
            db.session.remove()
        return len(statements)

    few = queries_for_a_page()
    for number in range(20):
        run(app, "create_account", world.admin, f"p{number}.x@chu-a.mssante.fr", "P X",
            f"p{number}@example.org", organisation=ORG_A)
    assert queries_for_a_page() == few <= 6
