"""The ``idp`` command: database, organisations, users, clients, keys, demo data, server, and the
development mail catcher."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from .errors import IdpError


def command_group(app_factory: Callable[[], Flask] | None = None) -> FlaskGroup:
    """The ``idp`` command group, building the app with ``app_factory`` (``create_app``)."""
    from . import create_app

    return FlaskGroup(name="idp", create_app=app_factory or (lambda: create_app()),
                      help="Fournisseur d'identité MSSanté (OpenID Connect).")


def main() -> None:
    """Entry point of the ``idp`` console script (works from any directory)."""
    command_group().main(prog_name="idp")


def _domain_errors(command):
    """Show a domain error as a one-line message and exit 1, never as a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except IdpError as error:
            raise click.ClickException(error.message) from None

    return wrapper


@click.group("orgs", help="Organisations (structures).")
def orgs() -> None:
    pass


@orgs.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Name of the organisation.")
@with_appcontext
@_domain_errors
def orgs_create(code: str, name: str) -> None:
    """Create organisation CODE (e.g. a FINESS number)."""
    from .accounts.organisations import create_organisation

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
@_domain_errors
def users_create(email, name, notification_email, phone, org_code, role, password_stdin) -> None:
    """Create the account whose MSSanté address (login) is EMAIL."""
    from .accounts.users import create_user
    from .admin.accounts import create_account
    from .admin.actors import operator

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
@_domain_errors
def users_set_notification_email(email: str, address: str) -> None:
    """Ask for ADDRESS to receive EMAIL's codes and links: a confirmation link is sent to
    ADDRESS, the current address is told, and nothing changes until the link is followed."""
    from .accounts.notification_email import request_change
    from .accounts.users import get_user

    user = get_user(email)
    change = request_change(user, address, requested_by="cli")
    click.echo(f"Lien de confirmation envoyé à {change.new_address} : l'adresse de notification "
               f"de {user.email} changera quand il aura été ouvert.")


@users.command("link-psc")
@click.argument("email")
@click.argument("national_id")
@with_appcontext
@_domain_errors
def users_link_psc(email: str, national_id: str) -> None:
    """Let EMAIL sign in with Pro Santé Connect as NATIONAL_ID (SubjectNameID, e.g. 8 + RPPS)."""
    from .admin.accounts import set_psc_identity
    from .admin.actors import operator

    set_psc_identity(operator(), email, national_id)
    click.echo(f"Compte {email} lié à Pro Santé Connect : {national_id.strip()}")


@users.command("unlink-psc")
@click.argument("email")
@with_appcontext
@_domain_errors
def users_unlink_psc(email: str) -> None:
    """Remove EMAIL's link to Pro Santé Connect."""
    from .admin.accounts import set_psc_identity
    from .admin.actors import operator

    set_psc_identity(operator(), email, None)
    click.echo(f"Lien Pro Santé Connect de {email} supprimé (s'il existait).")


@users.command("list")
@click.option("--search", default="", help="Part of the address or family name.")
@click.option("--org", "org_code", help="Organisation code.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per account.")
@with_appcontext
@_domain_errors
def users_list(search: str, org_code: str | None, as_json: bool) -> None:
    """List accounts (50 at most; narrow with --search or --org)."""
    from .admin.accounts import describe, list_accounts
    from .admin.actors import operator

    for user in list_accounts(operator(), search, org_code):
        click.echo(json.dumps(describe(user), ensure_ascii=False) if as_json
                   else f"{user.email}\t{user.name}\t{user.role}\t{user.status}")


@users.command("show")
@click.argument("email")
@with_appcontext
@_domain_errors
def users_show(email: str) -> None:
    """Show one account as JSON (never a secret)."""
    from .admin.accounts import account, describe
    from .admin.actors import operator

    click.echo(json.dumps(describe(account(operator(), email)), ensure_ascii=False, indent=2))


@users.command("update")
@click.argument("email")
@click.option("--name", help='Full name, "Prénom Nom".')
@click.option("--phone", help='Mobile number in E.164 form; "" removes it.')
@click.option("--org", "org_code", help='Organisation code; "" removes it.')
@click.option("--role", type=click.Choice(["user", "referent", "support", "admin"]))
@with_appcontext
@_domain_errors
def users_update(email, name, phone, org_code, role) -> None:
    """Change EMAIL's name, mobile number, organisation or role."""
    from .admin.accounts import update_account
    from .admin.actors import operator

    update_account(operator(), email, name=name, phone=phone, organisation=org_code, role=role)
    click.echo(f"Compte modifié : {email}")


def _account_action(command: str, action: str, summary: str, done: str, **fixed):
    """An `idp users COMMAND EMAIL` command calling the admin function ``action``."""

    @users.command(command, help=summary)
    @click.argument("email")
    @with_appcontext
    @_domain_errors
    def run(email: str) -> None:
        from .admin import accounts
        from .admin.actors import operator

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
@_domain_errors
def users_import_notification_emails(file, apply: bool) -> None:
    """Check the CSV FILE (adresse_mssante;email_notification;nom;telephone;structure) line by
    line; with --apply and no rejected line, create the new accounts and send the links that
    confirm the new notification addresses. Exit 1 when a line is rejected."""
    from .admin.actors import operator
    from .admin.notification_csv import MAX_BYTES, decode_upload, import_csv

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
@_domain_errors
def users_export_notification_emails(org_code: str | None) -> None:
    """Print the accounts as CSV, in the format import-notification-emails reads."""
    from .admin.actors import operator
    from .admin.notification_csv import export_csv

    click.echo(export_csv(operator(), org_code), nl=False)


@click.group("mailboxes", help="Organisational and applicative mailboxes, and who may open them.")
def mailboxes() -> None:
    pass


@mailboxes.command("list")
@click.option("--org", "org_code", help="Organisation code.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mailbox.")
@with_appcontext
@_domain_errors
def mailboxes_list(org_code: str | None, as_json: bool) -> None:
    """List the mailboxes other than personal ones."""
    from .admin.actors import operator
    from .admin.mailboxes import describe_mailbox, list_mailboxes

    for box in list_mailboxes(operator(), org_code):
        if as_json:
            click.echo(json.dumps(describe_mailbox(box), ensure_ascii=False))
        else:
            sensitive = "\tsensible" if box.sensitive else ""
            click.echo(f"{box.address}\t{box.type}\t{box.name}{sensitive}")


@mailboxes.command("show")
@click.argument("address")
@with_appcontext
@_domain_errors
def mailboxes_show(address: str) -> None:
    """Show one mailbox (personal ones too) and who may open it, as JSON."""
    from .admin.actors import operator
    from .admin.mailboxes import describe_mailbox, mailbox

    click.echo(json.dumps(describe_mailbox(mailbox(operator(), address)), ensure_ascii=False,
                          indent=2))


@mailboxes.command("create")
@click.argument("address")
@click.option("--type", "type_", type=click.Choice(["ORG", "APP"]), required=True,
              help="ORG (organisational) or APP (applicative).")
@click.option("--name", required=True, help="Name shown to the people who open it.")
@click.option("--org", "org_code", help="Organisation the mailbox belongs to.")
@click.option("--sensitive", is_flag=True, help="Opening it asks for a fresh second factor.")
@with_appcontext
@_domain_errors
def mailboxes_create(address: str, type_: str, name: str, org_code: str | None,
                     sensitive: bool) -> None:
    """Create the mailbox ADDRESS; nobody may open it until granted."""
    from .admin.actors import operator
    from .admin.mailboxes import create_mailbox

    box = create_mailbox(operator(), address, type_, name, org_code, sensitive)
    click.echo(f"Boîte créée : {box.address} ({box.type}{', sensible' if box.sensitive else ''})")


@mailboxes.command("update")
@click.argument("address")
@click.option("--name", help="Name shown to the people who open it.")
@click.option("--sensitive/--not-sensitive", default=None,
              help="Whether opening it asks for a fresh second factor.")
@with_appcontext
@_domain_errors
def mailboxes_update(address: str, name: str | None, sensitive: bool | None) -> None:
    """Rename ADDRESS or change whether it is sensitive."""
    from .admin.actors import operator
    from .admin.mailboxes import update_mailbox

    box = update_mailbox(operator(), address, name=name, sensitive=sensitive)
    click.echo(f"Boîte modifiée : {box.address} ({box.name}"
               f"{', sensible' if box.sensitive else ''})")


@mailboxes.command("grant")
@click.argument("address")
@click.argument("person")
@with_appcontext
@_domain_errors
def mailboxes_grant(address: str, person: str) -> None:
    """Let PERSON (an MSSanté address) open the mailbox ADDRESS."""
    from .admin.actors import operator
    from .admin.mailboxes import grant

    if grant(operator(), address, person):
        click.echo(f"Accès accordé : {person} peut ouvrir {address}")
    else:
        click.echo(f"{person} pouvait déjà ouvrir {address} : rien n'a changé.")


@mailboxes.command("revoke")
@click.argument("address")
@click.argument("person")
@with_appcontext
@_domain_errors
def mailboxes_revoke(address: str, person: str) -> None:
    """Stop PERSON opening the mailbox ADDRESS."""
    from .admin.actors import operator
    from .admin.mailboxes import revoke

    if revoke(operator(), address, person):
        click.echo(f"Accès retiré : {person} ne peut plus ouvrir {address}")
    else:
        click.echo(f"{person} ne pouvait pas ouvrir {address} : rien n'a changé.")


@mailboxes.command("delete")
@click.argument("address")
@with_appcontext
@_domain_errors
def mailboxes_delete(address: str) -> None:
    """Delete the organisational or applicative mailbox ADDRESS."""
    from .admin.actors import operator
    from .admin.mailboxes import delete_mailbox

    delete_mailbox(operator(), address)
    click.echo(f"Boîte supprimée : {address}")


@click.group("clients", help="Applications relying on the provider.")
def clients() -> None:
    pass


# A client id is random URL-safe text and may begin with "-": read it as an argument, not an option.
CLIENT_ID_ARGUMENT = {"ignore_unknown_options": True}


@clients.command("create")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "post_logout_uris", multiple=True)
@click.option("--grant-type", type=click.Choice(["authorization_code", "client_credentials"]),
              default="authorization_code")
@click.option("--auth-method", default="client_secret_basic",
              type=click.Choice(["client_secret_basic", "client_secret_post", "private_key_jwt",
                                 "none"]))
@click.option("--acr", type=click.Choice(["mfa", "pwd"]), default="mfa",
              help="Minimum authentication level.")
@click.option("--scope", default="openid profile email phone mailboxes offline_access")
@click.option("--first-party", is_flag=True, help="No consent screen.")
@click.option("--resource-server", is_flag=True, help="May introspect any token.")
@click.option("--backchannel-logout-uri")
@click.option("--jwks", "jwks_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON file with the client's public keys (private_key_jwt).")
@click.option("--id-token-alg", type=click.Choice(["RS256", "ES256"]))
@click.option("--admin-role", type=click.Choice(["admin", "referent", "support"]),
              help="Service client of the admin API (client_credentials, --scope admin).")
@click.option("--org", "org_code", help="Organisation of a referent service client.")
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as JSON.")
@with_appcontext
@_domain_errors
def clients_create(name, redirect_uris, post_logout_uris, grant_type, auth_method, acr, scope,
                   first_party, resource_server, backchannel_logout_uri, jwks_file, id_token_alg,
                   admin_role, org_code, as_json) -> None:
    """Register a client and print its credentials (the secret is shown only now)."""
    from .admin.actors import operator
    from .admin.clients import register

    registered = register(
        operator(),
        name,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=list(post_logout_uris),
        grant_type=grant_type,
        auth_method=auth_method,
        min_acr=acr,
        scope=scope,
        first_party=first_party,
        resource_server=resource_server,
        backchannel_logout_uri=backchannel_logout_uri,
        jwks=Path(jwks_file).read_text() if jwks_file else None,
        id_token_alg=id_token_alg,
        admin_role=admin_role,
        admin_organisation=org_code,
    )
    _print_credentials(registered.client.client_id, registered.client_secret, as_json)


def _print_credentials(client_id: str, client_secret: str | None, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"client_id": client_id, "client_secret": client_secret}))
    else:
        click.echo(f"client_id:     {client_id}")
        if client_secret:
            click.echo(f"client_secret: {client_secret}  (affiché une seule fois)")


@clients.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per client.")
@with_appcontext
@_domain_errors
def clients_list(as_json: bool) -> None:
    """List every client, disabled ones included."""
    from .admin.actors import operator
    from .admin.clients import describe, list_clients

    for client in list_clients(operator()):
        if as_json:
            click.echo(json.dumps(describe(client), ensure_ascii=False))
        else:
            state = "\tdésactivé" if client.disabled else ""
            click.echo(f"{client.client_id}\t{client.name}\t{' '.join(client.grant_types)}{state}")


@clients.command("show", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@click.option("--json", "as_json", is_flag=True, help="Print the client as JSON.")
@with_appcontext
@_domain_errors
def clients_show(client_id: str, as_json: bool) -> None:
    """Show CLIENT_ID's settings (never its secret)."""
    from .admin.actors import operator
    from .admin.clients import describe, get_client

    details = describe(get_client(operator(), client_id))
    if as_json:
        click.echo(json.dumps(details, ensure_ascii=False, indent=2))
        return
    for key, value in details.items():
        click.echo(f"{key}: {' '.join(value) if isinstance(value, list) else value}")


@clients.command("update", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@click.option("--name")
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Replaces the list.")
@click.option("--post-logout-redirect-uri", "post_logout_uris", multiple=True,
              help='Replaces the list; "" empties it.')
@click.option("--acr", type=click.Choice(["mfa", "pwd"]), help="Minimum authentication level.")
@click.option("--first-party/--no-first-party", default=None, help="No consent screen.")
@click.option("--resource-server/--no-resource-server", default=None,
              help="May introspect any token.")
@click.option("--backchannel-logout-uri", help='"" removes it.')
@click.option("--admin-role", type=click.Choice(["admin", "referent", "support"]))
@click.option("--org", "org_code", help='Organisation of a referent service client; "" removes it.')
@with_appcontext
@_domain_errors
def clients_update(client_id, name, redirect_uris, post_logout_uris, acr, first_party,
                   resource_server, backchannel_logout_uri, admin_role, org_code) -> None:
    """Change some of CLIENT_ID's settings; the others stay as they are."""
    from .admin.actors import operator
    from .admin.clients import update_client

    given = {
        "name": name,
        "redirect_uris": [uri for uri in redirect_uris if uri] if redirect_uris else None,
        "post_logout_redirect_uris": [uri for uri in post_logout_uris if uri]
        if post_logout_uris else None,
        "min_acr": acr,
        "first_party": first_party,
        "resource_server": resource_server,
        "backchannel_logout_uri": backchannel_logout_uri,
        "admin_role": admin_role,
        "admin_organisation": org_code,
    }
    client = update_client(operator(), client_id,
                           **{key: value for key, value in given.items() if value is not None})
    click.echo(f"Application modifiée : {client.client_id} ({client.name})")


@clients.command("rotate-secret", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as JSON.")
@with_appcontext
@_domain_errors
def clients_rotate_secret(client_id: str, as_json: bool) -> None:
    """Give CLIENT_ID a new secret (shown only now); the old one keeps working for
    CLIENT_SECRET_GRACE_SECONDS."""
    from .admin.actors import operator
    from .admin.clients import get_client, rotate_secret

    secret = rotate_secret(operator(), client_id)
    _print_credentials(client_id, secret, as_json)
    if not as_json:
        grace_end = get_client(operator(), client_id).previous_secret_expires_at
        click.echo(f"L'ancien secret reste valable jusqu'au {grace_end:%d/%m/%Y à %H:%M} (UTC).")


@clients.command("disable", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@with_appcontext
@_domain_errors
def clients_disable(client_id: str) -> None:
    """Refuse CLIENT_ID from now on and revoke its tokens."""
    from .admin.actors import operator
    from .admin.clients import disable_client

    client = disable_client(operator(), client_id)
    click.echo(f"Application désactivée : {client.client_id} ({client.name}) ; "
               "ses jetons sont révoqués.")


@clients.command("enable", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@with_appcontext
@_domain_errors
def clients_enable(client_id: str) -> None:
    """Accept CLIENT_ID again."""
    from .admin.actors import operator
    from .admin.clients import enable_client

    client = enable_client(operator(), client_id)
    click.echo(f"Application réactivée : {client.client_id} ({client.name})")


def _records_command(name: str, summary: str, with_event: bool):
    """`idp audit` / `idp deliveries`: what support reads, filtered, one JSON object a line."""

    @click.command(name, help=summary)
    @click.option("--person", help="MSSanté address.")
    @click.option("--org", "org_code", help="Organisation code.")
    @click.option("--since", type=click.DateTime(), help="From this date (UTC).")
    @click.option("--until", type=click.DateTime(), help="Until this date (UTC).")
    @click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
    @click.option("--event", hidden=not with_event, help="Event name or prefix (login.).")
    @with_appcontext
    @_domain_errors
    def run(person, org_code, since, until, page, event) -> None:
        from .admin import records
        from .admin.actors import operator

        filters = {"person": person, "organisation": org_code, "since": since,
                   "until": until, "page": page}
        if with_event:
            rows = records.audit_trail(operator(), event=event, **filters)
            describe = records.describe_event
        else:
            rows = records.deliveries(operator(), **filters)
            describe = records.describe_delivery
        emails = records.emails_of(row.user_id for row in rows)
        for row in rows:
            click.echo(json.dumps(describe(row, emails), ensure_ascii=False))

    return run


audit = _records_command("audit", "The audit trail, newest first (100 a page).", True)
deliveries = _records_command(
    "deliveries", "Delivery records of codes and links, newest first (100 a page).", False)


@click.group("keys", help="Signing keys.")
def keys() -> None:
    pass


@keys.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Start signing with the published next key and publish a new next key."""
    from .oidc.keys import rotate_keys

    for key in rotate_keys():
        click.echo(f"{key.alg}: signe désormais avec {key.kid}")


@click.command("demo")
@with_appcontext
@_domain_errors
def demo() -> None:
    """Seed demo organisations, accounts and mailboxes (idempotent)."""
    from .demo import seed_demo

    for line in seed_demo():
        click.echo(line)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, help="Worker processes (default: SERVE_WORKERS).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the provider with gunicorn (a production-grade WSGI server)."""
    from .serve import run

    run(click.get_current_context().ensure_object(ScriptInfo).load_app(), host, port, workers)


@click.command("mailcatcher")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--smtp-port", default=1025, show_default=True, type=int)
@click.option("--http-port", default=8025, show_default=True, type=int)
@with_appcontext
def mailcatcher(host: str, smtp_port: int, http_port: int) -> None:
    """Development mail catcher: SMTP server, Twilio-compatible API, and a page listing both."""
    from flask import current_app

    from .mailcatcher.server import MailCatcher, run_until_interrupted
    from .mailcatcher.twilio_api import slow_delay

    slow_seconds = slow_delay(current_app.config["DELIVERY_TIMEOUT_SECONDS"])
    with MailCatcher(host, smtp_port, http_port, slow_seconds) as catcher:
        click.echo(f"SMTP : {host}:{catcher.smtp_port}")
        click.echo(f"Messages reçus et API compatible Twilio : {catcher.http_url}/")
        click.echo("Ctrl-C pour arrêter.")
        run_until_interrupted()


def register_commands(app: Flask) -> None:
    """Attach the project's commands to ``app.cli`` (``idp`` and ``flask --app wsgi``)."""
    for command in (orgs, users, mailboxes, clients, audit, deliveries, keys, demo, serve,
                    mailcatcher):
        app.cli.add_command(command)
