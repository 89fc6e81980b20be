"""`idp cleanup`: remove the expired records, one line per kind (docs/cleanup.md)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

#: What each count of ``cleanup.remove_expired`` names, as people read it.
LABELS = {
    "sso_sessions_ended": "sessions expirées terminées, clients prévenus",
    "authorization_requests": "demandes d'autorisation en attente supprimées",
    "refresh_retries": "réponses gardées pour un rafraîchissement répété supprimées",
    "tokens": "jetons d'accès et de rafraîchissement supprimés",
    "authorization_codes": "codes d'autorisation supprimés",
    "client_assertions": "assertions de clients utilisées supprimées",
    "otp_challenges": "codes envoyés par e-mail ou SMS supprimés",
    "password_reset_tokens": "liens de mot de passe (oubli ou création) supprimés",
    "notification_email_changes": "liens de confirmation d'adresse de notification supprimés",
    "failure_counters": "compteurs d'échecs oubliés supprimés",
    "sso_sessions": "sessions terminées supprimées",
    "audit_events": "événements du journal au-delà de la rétention supprimés",
    "deliveries": "traces d'envoi au-delà de la rétention supprimées",
    "job_attempts": "traces des tâches de fond au-delà de la rétention supprimées",
}


@click.command("cleanup")
@click.option("--batch-size", type=click.IntRange(min=1),
              help="Rows removed per transaction (default: CLEANUP_BATCH_SIZE).")
@click.option("--json", "as_json", is_flag=True, help="The counts as one JSON object.")
@with_appcontext
def cleanup(batch_size: int | None, as_json: bool) -> None:
    """End the expired sessions, then remove expired codes, tokens, links, sessions, and the
    audit events and delivery records past AUDIT_RETENTION_DAYS."""
    from ..cleanup import remove_expired

    # Not one unit of work: each batch commits on its own, so no table stays locked long.
    counts = remove_expired(batch_size=batch_size)
    if as_json:
        click.echo(json.dumps(counts))
        return
    for kind, count in counts.items():
        click.echo(f"{LABELS[kind]} : {count}")
