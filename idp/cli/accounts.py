"""`idp orgs` and `idp users`: organisations and accounts, through the admin service functions,
acting as the operator."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from .common import one_unit_of_work


@click.group("orgs", help="Organisations (structures).")
def orgs() -> None:
    pass


@orgs.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Name of the organisation.")
@with_appcontext
@one_unit_of_work
def orgs_create(code: str, name: str) -> None:
    """Create organisation CODE (e.g. a FINESS number)."""
    from ..accounts.organisations import create_organisation

    organisation = create_organisation(code, name)
    click.echo(f"Structure créée : {organisation.code} ({organisation.name})")


@click.group("users", help="Accounts of health professionals.")
def users() -> None:
    pass


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help='Full name, "Prénom Nom".')
@click.option("--notification-email", required=True, help="Where codes and links are sent.")
@click.option("--phone", help="Mobile number in E.164 form (+33612345678).")
@click.option("--org", "org_code", help="Organisation code.")
@click.option("--role", type=click.Choice(["user", "referent", "support", "admin"]),
              default="user")
@click.option("--password-stdin", is_flag=True, help="Read the initial password from stdin.")
@with_appcontext
@one_unit_of_work
def users_create(email, name, notification_email, phone, org_code, role, password_stdin) -> None:
    """Create the account whose MSSanté address (login) is EMAIL."""
    from ..accounts.users import create_user
    from ..admin.accounts import create_account
    from ..admin.actors import operator

    if password_stdin:  # development and tests: the operator types it
        password = sys.stdin.readline().rstrip("\r\n")
        user = create_user(email, name, notification_email, phone=phone,
                           organisation_code=org_code, role=role, password=password)
        click.echo(f"Compte créé : {user.email}")
        return
    user = create_account(operator(), email, name, notification_email, phone=phone,
                          organisation=org_code, role=role)
    click.echo(f"Compte créé : {user.email} (lien pour choisir le mot de passe envoyé à "
               f"{user.notification_email})")


@users.command("set-notification-email")
@click.argument("email")
@click.argument("address")
@with_appcontext
@one_unit_of_work
def users_set_notification_email(email: str, address: str) -> None:
    """Ask for ADDRESS to receive EMAIL's codes and links: a confirmation link is sent to
    ADDRESS, the current address is told, and nothing changes until the link is followed."""
    from ..admin.accounts import change_notification_email
    from ..admin.actors import operator

    change = change_notification_email(operator(), email, address)
    click.echo(f"Lien de confirmation envoyé à {change.new_address} : l'adresse de notification "
               f"de {email.strip().lower()} changera quand il aura été ouvert.")


@users.command("link-psc")
@click.argument("email")
@click.argument("national_id")
@with_appcontext
@one_unit_of_work
def users_link_psc(email: str, national_id: str) -> None:
    """Let EMAIL sign in with Pro Santé Connect as NATIONAL_ID (SubjectNameID, e.g. 8 + RPPS)."""
    from ..admin.accounts import set_psc_identity
    from ..admin.actors import operator

    set_psc_identity(operator(), email, national_id)
    click.echo(f"Compte {email} lié à Pro Santé Connect : {national_id.strip()}")


@users.command("unlink-psc")
@click.argument("email")
@with_appcontext
@one_unit_of_work
def users_unlink_psc(email: str) -> None:
    """Remove EMAIL's link to Pro Santé Connect."""
    from ..admin.accounts import set_psc_identity
    from ..admin.actors import operator

    set_psc_identity(operator(), email, None)
    click.echo(f"Lien Pro Santé Connect de {email} supprimé (s'il existait).")


@users.command("list")
@click.option("--search", default="", help="Part of the address or family name.")
@click.option("--org", "org_code", help="Organisation code.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per account.")
@with_appcontext
@one_unit_of_work
def users_list(search: str, org_code: str | None, as_json: bool) -> None:
    """List accounts (50 at most; narrow with --search or --org)."""
    from ..admin.accounts import describe, list_accounts
    from ..admin.actors import operator

    for user in list_accounts(operator(), search, org_code):
        click.echo(json.dumps(describe(user), ensure_ascii=False) if as_json
                   else f"{user.email}\t{user.name}\t{user.role}\t{user.status}")


@users.command("show")
@click.argument("email")
@with_appcontext
@one_unit_of_work
def users_show(email: str) -> None:
    """Show one account as JSON (never a secret)."""
    from ..admin.accounts import account, describe
    from ..admin.actors import operator

    click.echo(json.dumps(describe(account(operator(), email)), ensure_ascii=False, indent=2))


@users.command("update")
@click.argument("email")
@click.option("--name", help='Full name, "Prénom Nom".')
@click.option("--phone", help='Mobile number in E.164 form; "" removes it.')
@click.option("--org", "org_code", help='Organisation code; "" removes it.')
@click.option("--role", type=click.Choice(["user", "referent", "support", "admin"]))
@with_appcontext
@one_unit_of_work
def users_update(email, name, phone, org_code, role) -> None:
    """Change EMAIL's name, mobile number, organisation or role."""
    from ..admin.accounts import update_account
    from ..admin.actors import operator

    update_account(operator(), email, name=name, phone=phone, organisation=org_code, role=role)
    click.echo(f"Compte modifié : {email}")


def _account_action(command: str, action: str, summary: str, done: str, **fixed):
    """An `idp users COMMAND EMAIL` command calling the admin function ``action``."""

    @users.command(command, help=summary)
    @click.argument("email")
    @with_appcontext
    @one_unit_of_work
    def run(email: str) -> None:
        from ..admin import accounts
        from ..admin.actors import operator

        getattr(accounts, action)(operator(), email, **fixed)
        click.echo(done.format(email=email))

    return run


_account_action("disable", "set_enabled", "Disable EMAIL (its sessions end).",
                "Compte désactivé : {email}", enabled=False)
_account_action("enable", "set_enabled", "Enable EMAIL again.", "Compte réactivé : {email}",
                enabled=True)
_account_action("unlock", "unlock", "Clear EMAIL's password and code failure delays.",
                "Compte débloqué : {email}")
_account_action("send-password-reset", "send_password_reset",
                "E-mail EMAIL a link to choose a new password.",
                "Lien de changement de mot de passe envoyé pour {email}")
_account_action("reset-factors", "reset_factors",
                "Remove EMAIL's authenticator and recovery codes.",
                "Google Authenticator et codes de secours supprimés pour {email}")
_account_action("end-sessions", "end_sessions", "End every session of EMAIL.",
                "Sessions terminées pour {email}")


@users.command("import-notification-emails")
@click.argument("file", type=click.File("rb"))
@click.option("--apply", is_flag=True, help="Write the changes (without it: a dry run).")
@with_appcontext
@one_unit_of_work
def users_import_notification_emails(file, apply: bool) -> None:
    """Check the CSV FILE (adresse_mssante;email_notification;nom;telephone;structure) line by
    line; with --apply and no rejected line, create the new accounts and send the links that
    confirm the new notification addresses. Exit 1 when a line is rejected."""
    from ..admin.actors import operator
    from ..admin.notification_csv import MAX_BYTES, decode_upload, import_csv

    report = import_csv(operator(), decode_upload(file.read(MAX_BYTES + 1)), apply)
    for line in report.lines:
        click.echo(f"ligne {line.number}\t{line.address}\t{line.label}\t{line.reason}")
    click.echo(report.summary())
    if report.has_rejections:
        raise SystemExit(1)
    if not apply:
        click.echo("Relancez avec --apply pour appliquer ces changements.")


@users.command("export-notification-emails")
@click.option("--org", "org_code", help="Organisation code.")
@with_appcontext
@one_unit_of_work
def users_export_notification_emails(org_code: str | None) -> None:
    """Print the accounts as CSV, in the format import-notification-emails reads."""
    from ..admin.actors import operator
    from ..admin.notification_csv import export_csv

    click.echo(export_csv(operator(), org_code), nl=False)
