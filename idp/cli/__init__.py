"""The ``idp`` command: database, organisations, users, mailboxes, clients, records, keys,
cleanup, demo data, server, job worker, and the development mail catcher. One module per group
of commands."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.cli import FlaskGroup


def command_group(app_factory: Callable[[], Flask] | None = None) -> FlaskGroup:
    """The ``idp`` command group, building the app with ``app_factory`` (``create_app``)."""
    from .. import create_app

    return FlaskGroup(name="idp", create_app=app_factory or (lambda: create_app()),
                      help="Fournisseur d'identité MSSanté (OpenID Connect).")


def main() -> None:
    """Entry point of the ``idp`` console script (works from any directory)."""
    command_group().main(prog_name="idp")


def register_commands(app: Flask) -> None:
    """Attach the project's commands to ``app.cli`` (``idp`` and ``flask --app wsgi``)."""
    from .accounts import orgs, users
    from .cleanup import cleanup
    from .clients import clients
    from .mailboxes import mailboxes
    from .operations import audit, deliveries, demo, keys, mailcatcher, serve
    from .worker import worker

    for command in (orgs, users, mailboxes, clients, audit, deliveries, keys, cleanup, demo,
                    serve, worker, mailcatcher):
        app.cli.add_command(command)
