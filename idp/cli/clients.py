"""`idp clients`: applications relying on the provider (registration, edits, secret rotation)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from .common import one_unit_of_work


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
@one_unit_of_work
def clients_create(name, redirect_uris, post_logout_uris, grant_type, auth_method, acr, scope,
                   first_party, resource_server, backchannel_logout_uri, jwks_file, id_token_alg,
                   admin_role, org_code, as_json) -> None:
    """Register a client and print its credentials (the secret is shown only now)."""
    from ..admin.actors import operator
    from ..admin.clients import register

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
@one_unit_of_work
def clients_list(as_json: bool) -> None:
    """List every client, disabled ones included."""
    from ..admin.actors import operator
    from ..admin.clients import describe, list_clients

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
@one_unit_of_work
def clients_show(client_id: str, as_json: bool) -> None:
    """Show CLIENT_ID's settings (never its secret)."""
    from ..admin.actors import operator
    from ..admin.clients import describe, get_client

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
@one_unit_of_work
def clients_update(client_id, name, redirect_uris, post_logout_uris, acr, first_party,
                   resource_server, backchannel_logout_uri, admin_role, org_code) -> None:
    """Change some of CLIENT_ID's settings; the others stay as they are."""
    from ..admin.actors import operator
    from ..admin.clients import update_client

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
@click.option("--leaked", is_flag=True,
              help="The old secret leaked: it stops at once and the client's tokens are revoked.")
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as JSON.")
@with_appcontext
@one_unit_of_work
def clients_rotate_secret(client_id: str, leaked: bool, as_json: bool) -> None:
    """Give CLIENT_ID a new secret (shown only now); the old one keeps working for
    CLIENT_SECRET_GRACE_SECONDS, or stops at once with --leaked."""
    from ..admin.actors import operator
    from ..admin.clients import get_client, rotate_secret

    secret = rotate_secret(operator(), client_id, leaked=leaked)
    _print_credentials(client_id, secret, as_json)
    if as_json:
        return
    if leaked:
        click.echo("L'ancien secret est refusé dès maintenant ; "
                   "les jetons du client sont révoqués.")
    else:
        grace_end = get_client(operator(), client_id).previous_secret_expires_at
        click.echo(f"L'ancien secret reste valable jusqu'au {grace_end:%d/%m/%Y à %H:%M} (UTC).")


@clients.command("disable", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@with_appcontext
@one_unit_of_work
def clients_disable(client_id: str) -> None:
    """Refuse CLIENT_ID from now on and revoke its tokens."""
    from ..admin.actors import operator
    from ..admin.clients import disable_client

    client = disable_client(operator(), client_id)
    click.echo(f"Application désactivée : {client.client_id} ({client.name}) ; "
               "ses jetons sont révoqués.")


@clients.command("enable", context_settings=CLIENT_ID_ARGUMENT)
@click.argument("client_id")
@with_appcontext
@one_unit_of_work
def clients_enable(client_id: str) -> None:
    """Accept CLIENT_ID again."""
    from ..admin.actors import operator
    from ..admin.clients import enable_client

    client = enable_client(operator(), client_id)
    click.echo(f"Application réactivée : {client.client_id} ({client.name})")
