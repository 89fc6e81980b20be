"""`idp mailboxes`: organisational and applicative mailboxes and who may open them."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from .common import one_unit_of_work


@click.group("mailboxes", help="Organisational and applicative mailboxes, and who may open them.")
def mailboxes() -> None:
    pass


@mailboxes.command("list")
@click.option("--org", "org_code", help="Organisation code.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mailbox.")
@with_appcontext
@one_unit_of_work
def mailboxes_list(org_code: str | None, as_json: bool) -> None:
    """List the mailboxes other than personal ones."""
    from ..admin.actors import operator
    from ..admin.mailboxes import describe_mailbox, list_mailboxes

    for box in list_mailboxes(operator(), org_code):
        if as_json:
            click.echo(json.dumps(describe_mailbox(box), ensure_ascii=False))
        else:
            sensitive = "\tsensible" if box.sensitive else ""
            click.echo(f"{box.address}\t{box.type}\t{box.name}{sensitive}")


@mailboxes.command("show")
@click.argument("address")
@with_appcontext
@one_unit_of_work
def mailboxes_show(address: str) -> None:
    """Show one mailbox (personal ones too) and who may open it, as JSON."""
    from ..admin.actors import operator
    from ..admin.mailboxes import describe_mailbox, mailbox

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
@one_unit_of_work
def mailboxes_create(address: str, type_: str, name: str, org_code: str | None,
                     sensitive: bool) -> None:
    """Create the mailbox ADDRESS; nobody may open it until granted."""
    from ..admin.actors import operator
    from ..admin.mailboxes import create_mailbox

    box = create_mailbox(operator(), address, type_, name, org_code, sensitive)
    click.echo(f"Boîte créée : {box.address} ({box.type}{', sensible' if box.sensitive else ''})")


@mailboxes.command("update")
@click.argument("address")
@click.option("--name", help="Name shown to the people who open it.")
@click.option("--sensitive/--not-sensitive", default=None,
              help="Whether opening it asks for a fresh second factor.")
@with_appcontext
@one_unit_of_work
def mailboxes_update(address: str, name: str | None, sensitive: bool | None) -> None:
    """Rename ADDRESS or change whether it is sensitive."""
    from ..admin.actors import operator
    from ..admin.mailboxes import update_mailbox

    box = update_mailbox(operator(), address, name=name, sensitive=sensitive)
    click.echo(f"Boîte modifiée : {box.address} ({box.name}"
               f"{', sensible' if box.sensitive else ''})")


@mailboxes.command("grant")
@click.argument("address")
@click.argument("person")
@with_appcontext
@one_unit_of_work
def mailboxes_grant(address: str, person: str) -> None:
    """Let PERSON (an MSSanté address) open the mailbox ADDRESS."""
    from ..admin.actors import operator
    from ..admin.mailboxes import grant

    if grant(operator(), address, person):
        click.echo(f"Accès accordé : {person} peut ouvrir {address}")
    else:
        click.echo(f"{person} pouvait déjà ouvrir {address} : rien n'a changé.")


@mailboxes.command("revoke")
@click.argument("address")
@click.argument("person")
@with_appcontext
@one_unit_of_work
def mailboxes_revoke(address: str, person: str) -> None:
    """Stop PERSON opening the mailbox ADDRESS."""
    from ..admin.actors import operator
    from ..admin.mailboxes import revoke

    if revoke(operator(), address, person):
        click.echo(f"Accès retiré : {person} ne peut plus ouvrir {address}")
    else:
        click.echo(f"{person} ne pouvait pas ouvrir {address} : rien n'a changé.")


@mailboxes.command("delete")
@click.argument("address")
@with_appcontext
@one_unit_of_work
def mailboxes_delete(address: str) -> None:
    """Delete the organisational or applicative mailbox ADDRESS."""
    from ..admin.actors import operator
    from ..admin.mailboxes import delete_mailbox

    delete_mailbox(operator(), address)
    click.echo(f"Boîte supprimée : {address}")
