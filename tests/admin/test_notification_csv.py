"""Notification e-mails in bulk: a CSV file checked line by line, a dry run that writes
nothing, a file with one bad line that changes nothing even when applied, and the export that
imports back as "unchanged"."""

from __future__ import annotations

import pytest

from idp.accounts.notification_email import pending_change
from idp.admin import notification_csv
from idp.admin.notification_csv import decode_upload, export_csv, import_csv
from idp.errors import Conflict, Forbidden, NotFound, ValidationError
from idp.extensions import db
from idp.models import AuditEvent, NotificationEmailChange, PasswordResetToken, User

from ..helpers import as_an_edge, audit_events
from .conftest import ADA, ALICE, BOB, ORG_A, ORG_B, RITA, SAM

HEADER = "adresse_mssante;email_notification;nom;telephone;structure"
NINA = "nina.petit@chu-a.mssante.fr"
VALID = "\n".join([
    HEADER,
    f"{ALICE};alice.martin@example.net;;;",  # a new address: a change to confirm
    f"{NINA};nina@example.org;Nina Petit;+33 6 12 34 56 78;{ORG_A}",  # a new account
    f"{RITA};rita@example.org;;;",  # the same address: nothing to do
]) + "\n"


def run(app, actor, text: str, apply: bool):
    return as_an_edge(app, import_csv, actor, text, apply)


def state(app) -> tuple:
    """Accounts and their notification addresses, pending changes, password links, audit."""
    with app.app_context():
        accounts = sorted(db.session.execute(db.select(User.email, User.notification_email)))
        counts = tuple(db.session.scalar(db.select(db.func.count(model.id))) for model in (
            NotificationEmailChange, PasswordResetToken, AuditEvent))
        db.session.commit()
        db.session.remove()
    return accounts, counts


def outcomes(report) -> list[tuple]:
    return [(line.number, line.address, line.outcome) for line in report.lines]


def pending(app, email: str) -> str | None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        change = pending_change(user)
        return change.new_address if change else None


def test_a_dry_run_reports_each_line_and_writes_nothing(app, world, mail_catcher):
    before = state(app)
    report = run(app, world.referent, VALID, apply=False)
    assert outcomes(report) == [(2, ALICE, "updated"), (3, NINA, "created"),
                                (4, RITA, "unchanged")]
    assert [line.label for line in report.lines] == ["modifié", "créé", "inchangé"]
    assert "alice.martin@example.net" in report.lines[0].reason
    assert not report.applied and report.summary().startswith("Simulation")
    assert state(app) == before
    assert mail_catcher.messages() == []


def test_one_bad_line_changes_nothing_even_when_applied(app, world, mail_catcher):
    text = VALID + f"{BOB};bob.nouveau@example.org;;;\n"  # B's account, for A's referent
    before = state(app)
    report = run(app, world.referent, text, apply=True)
    assert outcomes(report)[-1] == (5, BOB, "rejected")
    assert "votre structure" in report.lines[-1].reason
    assert [line.outcome for line in report.lines[:3]] == ["updated", "created", "unchanged"]
    assert not report.applied and report.summary().startswith("Import refusé")
    assert state(app) == before
    assert pending(app, ALICE) is None
    assert mail_catcher.messages() == []


def test_a_valid_file_applies_every_line(app, world, mail_catcher):
    report = run(app, world.referent, VALID, apply=True)
    assert report.applied and not report.has_rejections
    assert [line.outcome for line in report.lines] == ["updated", "created", "unchanged"]
    assert report.lines[0].reason.startswith("Lien de confirmation envoyé")
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        nina = db.session.scalar(db.select(User).where(User.email == NINA))
        assert alice.notification_email == "alice@example.org"  # until the link is followed
        assert (nina.notification_email, nina.phone, nina.organisation.code) == (
            "nina@example.org", "+33612345678", ORG_A)
        assert nina.password_hash is None
    assert pending(app, ALICE) == "alice.martin@example.net"
    received = sorted(tuple(m["to"]) for m in mail_catcher.messages("email"))
    assert received == [("alice.martin@example.net",), ("alice@example.org",),
                        ("nina@example.org",)]
    [event] = audit_events(app, "admin.notification_emails_imported")
    assert event.detail == {"by": RITA, "created": 1, "updated": 1, "unchanged": 1,
                            "rejected": 0}
    assert [e.detail["requested_by"]
            for e in audit_events(app, "notification_email.change_requested")] == [RITA]


def test_export_then_import_round_trips_as_unchanged(app, world, mail_catcher):
    exported = run_export(app, world.admin)
    before = state(app)
    report = run(app, world.admin, exported, apply=True)
    assert {line.address for line in report.lines} == {ALICE, BOB, RITA, SAM, ADA}
    assert {line.outcome for line in report.lines} == {"unchanged"}
    assert state(app)[0] == before[0] and mail_catcher.messages() == []


def run_export(app, actor, organisation: str | None = None) -> str:
    with app.app_context():
        try:
            return export_csv(actor, organisation)
        finally:
            db.session.remove()


def test_the_export_has_the_import_columns_and_a_referent_sees_their_organisation(app, world):
    lines = run_export(app, world.referent).splitlines()
    assert lines == [HEADER,
                     f"{ALICE};alice@example.org;Alice Martin;+33611223344;{ORG_A}",
                     f"{RITA};rita@example.org;Rita Référente;;{ORG_A}"]
    assert run_export(app, world.support, ORG_B).splitlines()[1:] == [
        f"{BOB};bob@example.org;Bob Durand;;{ORG_B}"]
    with pytest.raises(NotFound, match="n'existe pas"):
        run_export(app, world.referent, ORG_B)


def test_the_export_keeps_spreadsheets_from_running_a_name_as_a_formula(app, world, actors):
    actors.user("eve.x@chu-a.mssante.fr", name="=HYPERLINK(x) Eve",
                notification_email="eve@example.org", organisation_code=ORG_A)
    assert (f"eve.x@chu-a.mssante.fr;eve@example.org;'=HYPERLINK(x) Eve;;{ORG_A}"
            in run_export(app, world.admin, ORG_A).splitlines())


def test_a_pending_change_to_the_same_address_is_not_asked_again(app, world, mail_catcher):
    run(app, world.admin, f"{HEADER}\n{ALICE};alice.martin@example.net;;;\n", apply=True)
    mail_catcher.clear()
    report = run(app, world.admin, f"{HEADER}\n{ALICE};alice.martin@example.net;;;\n",
                 apply=True)
    assert report.lines[0].outcome == "unchanged" and "attend déjà" in report.lines[0].reason
    assert mail_catcher.messages() == []


@pytest.mark.parametrize(("line", "reason"), [
    ("pas-une-adresse;x@example.org;X Y;;", "n'est pas une adresse e-mail valide"),
    (f"{ALICE};;;;", "obligatoire"),
    (f"{ALICE};pas-une-adresse;;;", "n'est pas une adresse e-mail valide"),
    (f"{ALICE};{ALICE};;;", "différente de l'adresse MSSanté"),
    (f"{NINA};nina@example.org;;;", "le nom est obligatoire"),
    (f"{NINA};nina@example.org;Nina Petit;0612;", "format international"),
    (f"{NINA};nina@example.org;Nina Petit;;{ORG_B}", "n'existe pas"),
    (f"{NINA};nina@example.org;Nina Petit;;;en trop", "colonnes"),
    (f"{BOB};bob2@example.org;;;", "votre structure"),
    (f"{ADA};ada2@example.org;;;", "votre structure"),
])
def test_each_bad_line_is_rejected_with_its_reason(app, world, line, reason):
    before = state(app)
    report = run(app, world.referent, f"{HEADER}\n{line}\n", apply=True)
    [rejected] = report.lines
    assert rejected.outcome == "rejected" and rejected.number == 2
    assert reason in rejected.reason
    assert state(app) == before


def test_a_referent_may_not_change_the_platforms_staff_in_their_organisation(app, world):
    with app.app_context():
        ada = db.session.scalar(db.select(User).where(User.email == ADA))
        ada.organisation_id = db.session.scalar(db.select(User.organisation_id)
                                                .where(User.email == ALICE))
        db.session.commit()
    [line] = run(app, world.referent, f"{HEADER}\n{ADA};ada2@example.org;;;\n", False).lines
    assert line.outcome == "rejected" and "rôle" in line.reason
    [line] = run(app, world.referent, f"{HEADER}\n{ADA};ada@example.org;;;\n", False).lines
    assert line.outcome == "unchanged"


def test_an_address_twice_in_the_file_is_rejected_the_second_time(app, world):
    report = run(app, world.admin, f"{HEADER}\n{ALICE};a1@example.org;;;\n"
                                   f"{ALICE.upper()};a2@example.org;;;\n", False)
    assert [line.outcome for line in report.lines] == ["updated", "rejected"]
    assert report.lines[1].reason == "Adresse déjà présente ligne 2."


def test_an_address_used_by_an_organisational_mailbox_cannot_become_an_account(app, world):
    from idp.admin.mailboxes import create_mailbox

    as_an_edge(app, create_mailbox, world.admin, "accueil@chu-a.mssante.fr", "ORG", "Accueil",
               ORG_A)
    [line] = run(app, world.admin, f"{HEADER}\naccueil@chu-a.mssante.fr;a@example.org;"
                                   "Accueil Général;;\n", False).lines
    assert line.outcome == "rejected" and "boîte" in line.reason


@pytest.mark.parametrize("text", [
    "\ufeffadresse_mssante,email_notification\r\n" + f"{ALICE},alice.martin@example.net\r\n",
    f"Email_Notification ; Adresse_MSSante\n alice.martin@example.net ; {ALICE}\n",
    f'{HEADER}\n"{ALICE}";"alice.martin@example.net";"Martin; Alice";;\n\n;;;;\n',
])
def test_commas_or_semicolons_a_bom_and_any_column_order_are_read(app, world, text):
    [line] = run(app, world.admin, text, False).lines
    assert (line.address, line.outcome) == (ALICE, "updated")


@pytest.mark.parametrize(("text", "message"), [
    ("", "première ligne"),
    ("adresse;email\nx;y\n", "première ligne"),
    (f"{HEADER};adresse_mssante\n", "première ligne"),
    (f"{HEADER}\n", "aucune ligne"),
    (f"{HEADER}\n\n;;;;\n", "aucune ligne"),
    (f'{HEADER}\n{ALICE};a@example.org;;;\n"{"x" * 140_000};;;;\n', "CSV lisible \\(ligne 3"),
    (HEADER + f"\n{ALICE};a@example.org;;;" * (notification_csv.MAX_LINES + 1), "2 000 lignes"),
    (HEADER + "\n" + "x" * notification_csv.MAX_BYTES, "150 Ko"),
])
def test_an_unreadable_file_is_refused_as_a_whole(app, world, text, message, mail_catcher):
    before = state(app)
    with pytest.raises(ValidationError, match=message):
        run(app, world.admin, text, True)
    assert state(app) == before


def test_an_upload_must_be_utf8_and_not_too_large():
    assert decode_upload("\ufeffé".encode()) == "é"
    with pytest.raises(ValidationError, match="UTF-8"):
        decode_upload("é".encode("latin-1"))
    with pytest.raises(ValidationError, match="trop volumineux"):
        decode_upload(b"x" * (notification_csv.MAX_BYTES + 1))


def test_support_may_export_but_not_import(app, world):
    assert ALICE in run_export(app, world.support)
    with pytest.raises(Forbidden):
        run(app, world.support, VALID, False)


def test_the_cli_dry_run_then_apply(app, runner, world, tmp_path, mail_catcher):
    path = tmp_path / "notifications.csv"
    path.write_bytes(("\ufeff" + VALID).encode())
    dry = runner.invoke(args=["users", "import-notification-emails", str(path)])
    assert dry.exit_code == 0, dry.output
    assert f"ligne 3\t{NINA}\tcréé\t" in dry.output and "--apply" in dry.output
    assert mail_catcher.messages() == []
    applied = runner.invoke(args=["users", "import-notification-emails", str(path), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Import appliqué : 1 créé, 1 modifié, 1 inchangé, 0 refusé." in applied.output
    assert pending(app, ALICE) == "alice.martin@example.net"
    assert [e.detail["by"] for e in audit_events(app, "admin.account_created")] == ["cli"]


def test_the_cli_exits_1_and_writes_nothing_when_a_line_is_rejected(app, runner, world,
                                                                    tmp_path, mail_catcher):
    path = tmp_path / "notifications.csv"
    path.write_text(VALID + "pas-une-adresse;x@example.org;;;\n", encoding="utf-8")
    before = state(app)
    result = runner.invoke(args=["users", "import-notification-emails", str(path), "--apply"])
    assert result.exit_code == 1
    assert "ligne 5\tpas-une-adresse\trefusé\t" in result.output
    assert "Import refusé" in result.output
    assert state(app) == before and mail_catcher.messages() == []


def test_the_cli_refuses_a_file_that_is_not_utf8_in_one_french_line(app, runner, world,
                                                                    tmp_path):
    path = tmp_path / "notifications.csv"
    path.write_bytes(f"{HEADER}\n{ALICE};é@example.org;;;\n".encode("latin-1"))
    result = runner.invoke(args=["users", "import-notification-emails", str(path)])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert "UTF-8" in result.output and len(result.output.splitlines()) == 1


def test_the_cli_exports_what_it_imports(app, runner, world, tmp_path, mail_catcher):
    exported = runner.invoke(args=["users", "export-notification-emails", "--org", ORG_A])
    assert exported.exit_code == 0 and exported.output.splitlines()[0] == HEADER
    path = tmp_path / "export.csv"
    path.write_text(exported.output, encoding="utf-8")
    result = runner.invoke(args=["users", "import-notification-emails", str(path), "--apply"])
    assert result.exit_code == 0, result.output
    assert "0 créé, 0 modifié, 2 inchangés, 0 refusé" in result.output



def test_a_line_that_fails_at_its_last_step_leaves_nothing_and_the_others_still_apply(
        app, world, mail_catcher, monkeypatch):
    """Nina's line creates her account (and asks for its password e-mail), then fails: the
    account and the e-mail go with it; Zoé's line before it is kept, e-mail included."""
    zoe = "zoe.roux@chu-a.mssante.fr"
    create = notification_csv.create_account

    def create_then_fail(actor, address, *args, **kwargs):
        created = create(actor, address, *args, **kwargs)
        if address == NINA:
            raise Conflict("Refusée à la dernière étape.")
        return created

    monkeypatch.setattr(notification_csv, "create_account", create_then_fail)

    report = run(app, world.admin, f"{HEADER}\n{zoe};zoe@example.org;Zoé Roux;;{ORG_A}\n"
                                   f"{NINA};nina@example.org;Nina Petit;;{ORG_A}\n", True)

    assert [line.outcome for line in report.lines] == ["created", "rejected"]
    assert report.lines[1].reason == "Non appliquée : Refusée à la dernière étape."
    assert [mail["to"] for mail in mail_catcher.messages("email")] == [["zoe@example.org"]]
    with app.app_context():
        emails = set(db.session.scalars(db.select(User.email)))
    assert zoe in emails and NINA not in emails
