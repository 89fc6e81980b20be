"""`idp audit`, `idp deliveries`, `idp keys`, `idp demo`, `idp serve`, `idp mailcatcher`:
reading records and running the service."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from .common import one_unit_of_work


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
    @one_unit_of_work
    def run(person, org_code, since, until, page, event) -> None:
        from ..admin import records
        from ..admin.actors import operator

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
@one_unit_of_work
def keys_rotate() -> None:
    """Start signing with the published next key and publish a new next key."""
    from ..oidc.keys import rotate_keys

    for key in rotate_keys():
        click.echo(f"{key.alg}: signe désormais avec {key.kid}")


@keys.command("reseal")
@with_appcontext
def keys_reseal() -> None:
    """After a rotation of SECRET_KEY: encrypt under it the signing keys and the authenticator
    secrets still encrypted under one of PREVIOUS_SECRET_KEYS."""
    from .. import audit
    from ..extensions import db
    from ..factors.totp import reseal_secrets
    from ..oidc.keys import reseal_signing_keys

    signing_keys, authenticators = reseal_signing_keys(), reseal_secrets()
    audit.record("keys.resealed", signing_keys=signing_keys.moved,
                 authenticators=authenticators.moved)
    db.session.commit()  # the edge: what was resealed stays so, even if some secrets were not
    reports = {"clés de signature": signing_keys, "secrets Google Authenticator": authenticators}
    for kind, report in reports.items():
        click.echo(f"{kind} : {report.moved} chiffré(s) à nouveau sous SECRET_KEY, "
                   f"{report.unreadable} illisible(s)")
    if any(report.unreadable for report in reports.values()):
        raise click.ClickException(
            "certains secrets ne sont lisibles ni avec SECRET_KEY ni avec PREVIOUS_SECRET_KEYS : "
            "ajoutez à PREVIOUS_SECRET_KEYS la clé sous laquelle ils ont été chiffrés")


@click.command("demo")
@with_appcontext
@one_unit_of_work
def demo() -> None:
    """Seed demo organisations, accounts and mailboxes (idempotent)."""
    from ..demo import seed_demo

    for line in seed_demo():
        click.echo(line)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, help="Worker processes (default: SERVE_WORKERS).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the provider with gunicorn, several processes reading requests under deadlines."""
    from ..serve import UnsharedRateLimits, run

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    try:
        run(app, host, port, workers)
    except UnsharedRateLimits as refusal:
        raise click.ClickException(str(refusal)) from None


@click.command("mailcatcher")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--smtp-port", default=1025, show_default=True, type=int)
@click.option("--http-port", default=8025, show_default=True, type=int)
@with_appcontext
def mailcatcher(host: str, smtp_port: int, http_port: int) -> None:
    """Development mail catcher: SMTP server, Twilio-compatible API, and a page listing both."""

    from ..mailcatcher.server import MailCatcher, run_until_interrupted
    from ..mailcatcher.twilio_api import slow_delay

    slow_seconds = slow_delay(current_app.config["DELIVERY_TIMEOUT_SECONDS"])
    with MailCatcher(host, smtp_port, http_port, slow_seconds) as catcher:
        click.echo(f"SMTP : {host}:{catcher.smtp_port}")
        click.echo(f"Messages reçus et API compatible Twilio : {catcher.http_url}/")
        click.echo("Ctrl-C pour arrêter.")
        run_until_interrupted()
