"""The ``demo-webmail`` command: ``serve`` (gunicorn) and ``seed`` (the demo set)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext


def main() -> None:
    """Entry point of the ``demo-webmail`` console script."""
    from . import create_app

    FlaskGroup(name="demo-webmail", create_app=lambda: create_app(), add_default_commands=False,
               help="Webmail de démonstration (client OpenID Connect).").main(
        prog_name="demo-webmail")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Run the webmail with gunicorn (a production-grade WSGI server)."""
    from .serve import run

    run(click.get_current_context().ensure_object(ScriptInfo).load_app(), host, port, workers)


@click.command("seed")
@with_appcontext
def seed() -> None:
    """Add the demo messages (idempotent)."""
    from .seed import seed as seed_demo

    for line in seed_demo():
        click.echo(line)


def register_commands(app: Flask) -> None:
    """Attach ``serve`` and ``seed`` to ``app.cli``."""
    app.cli.add_command(serve)
    app.cli.add_command(seed)
