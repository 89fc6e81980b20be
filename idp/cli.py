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
@click.option("--role", type=click.Choice(["user", "referent", "admin"]), default="user")
@click.option("--password-stdin", is_flag=True, help="Read the initial password from stdin.")
@with_appcontext
@_domain_errors
def users_create(email, name, notification_email, phone, org_code, role, password_stdin) -> None:
    """Create the account whose MSSanté address (login) is EMAIL."""
    from .accounts.users import create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    user = create_user(email, name, notification_email, phone=phone, organisation_code=org_code,
                       role=role, password=password)
    click.echo(f"Compte créé : {user.email}")


@users.command("set-notification-email")
@click.argument("email")
@click.argument("address")
@with_appcontext
@_domain_errors
def users_set_notification_email(email: str, address: str) -> None:
    """Send EMAIL's codes and links to ADDRESS from now on."""
    from .accounts.users import set_notification_email

    user = set_notification_email(email, address)
    click.echo(f"Adresse de notification de {user.email} : {user.notification_email}")


@users.command("link-psc")
@click.argument("email")
@click.argument("national_id")
@with_appcontext
@_domain_errors
def users_link_psc(email: str, national_id: str) -> None:
    """Let EMAIL sign in with Pro Santé Connect as NATIONAL_ID (SubjectNameID, e.g. 8 + RPPS)."""
    from .accounts.federated_identities import PSC, link_identity
    from .accounts.users import get_user
    from .extensions import db

    link = link_identity(get_user(email), PSC, national_id, linked_by="cli")
    db.session.commit()
    click.echo(f"Compte {email} lié à Pro Santé Connect : {link.subject}")


@users.command("unlink-psc")
@click.argument("email")
@with_appcontext
@_domain_errors
def users_unlink_psc(email: str) -> None:
    """Remove EMAIL's link to Pro Santé Connect."""
    from .accounts.federated_identities import PSC, unlink_identity
    from .accounts.users import get_user
    from .extensions import db

    removed = unlink_identity(get_user(email), PSC, unlinked_by="cli")
    db.session.commit()
    click.echo(f"Lien Pro Santé Connect de {email} supprimé." if removed
               else f"{email} n'était pas lié à Pro Santé Connect.")


@click.group("clients", help="Applications relying on the provider.")
def clients() -> None:
    pass


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
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as JSON.")
@with_appcontext
@_domain_errors
def clients_create(name, redirect_uris, post_logout_uris, grant_type, auth_method, acr, scope,
                   first_party, resource_server, backchannel_logout_uri, jwks_file, id_token_alg,
                   as_json) -> None:
    """Register a client and print its credentials (the secret is shown only now)."""
    from .oidc.clients import register_client

    registered = register_client(
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
    )
    credentials = {"client_id": registered.client.client_id,
                   "client_secret": registered.client_secret}
    if as_json:
        click.echo(json.dumps(credentials))
    else:
        click.echo(f"client_id:     {credentials['client_id']}")
        if registered.client_secret:
            click.echo(f"client_secret: {credentials['client_secret']}  (affiché une seule fois)")


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
    for command in (orgs, users, clients, keys, demo, serve, mailcatcher):
        app.cli.add_command(command)
