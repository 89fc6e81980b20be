"""Demo data for a newcomer: an organisation, people, a sensitive organisational mailbox, and
the demo webmail registered as a client (its credentials written to DEMO_WEBMAIL_ENV_FILE).

Development only: the demo passwords are printed and must never exist in production.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from . import audit
from .accounts.mailboxes import create_mailbox, grant_access
from .accounts.organisations import create_organisation
from .accounts.users import create_user, find_user
from .errors import ValidationError
from .extensions import db
from .models import Client, Mailbox, Organisation
from .oidc.clients import register_client
from .security import digest, new_secret
from .settings import PROJECT_ROOT, is_development

DEMO_ORG = ("0000000001", "Centre Hospitalier de Démonstration")
DEMO_PASSWORD = "demo-mssante-2026"  # noqa: S105 - printed demo credential, development only
DEMO_USERS = [
    ("jeanne.martin@demo.mssante.fr", "Jeanne Martin", "jeanne.martin@example.org",
     "+33612345678", "referent"),
    ("paul.durand@demo.mssante.fr", "Paul Durand", "paul.durand@example.org", None, "user"),
]
DEMO_ORG_MAILBOX = ("secretariat.cardiologie@demo.mssante.fr", "Secrétariat de cardiologie")
DEMO_WEBMAIL_NAME = "Webmail de démonstration"
DEMO_WEBMAIL_URL = "http://localhost:8000"


def seed_demo() -> list[str]:
    """Create the demo set where missing; returns lines describing it (development only)."""
    if not is_development(current_app.config):
        raise ValidationError(
            "Les données de démonstration sont réservées au développement "
            "(ENVIRONMENT = \"development\")."
        )
    code, name = DEMO_ORG
    if not db.session.scalar(db.select(Organisation.id).where(Organisation.code == code)):
        create_organisation(code, name)
    lines = [f"Structure : {code} ({name})"]
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.code == code))
    for email, full_name, notification, phone, role in DEMO_USERS:
        if find_user(email) is None:
            create_user(email, full_name, notification, phone=phone, organisation_code=code,
                        role=role, password=DEMO_PASSWORD)
        lines.append(f"Compte : {email} / {DEMO_PASSWORD} (notifications : {notification})")
    address, label = DEMO_ORG_MAILBOX
    if find_user(DEMO_USERS[0][0]) and not _mailbox_exists(address):
        create_mailbox(address, "ORG", label, organisation, sensitive=True)
        for email, *_ in DEMO_USERS:
            grant_access(find_user(email), address)
    lines.append(f"BAL organisationnelle : {address} (ouverte par les deux comptes ; sensible : "
                 "second facteur de moins de 5 minutes)")
    lines.append(register_demo_webmail(
        DEMO_WEBMAIL_URL, PROJECT_ROOT / current_app.config["DEMO_WEBMAIL_ENV_FILE"]))
    return lines


def _mailbox_exists(address: str) -> bool:
    return bool(db.session.scalar(db.select(Mailbox.id).where(Mailbox.address == address)))


def register_demo_webmail(base_url: str, env_file: Path) -> str:
    """Register the demo webmail as a first-party client once, and keep its credentials in
    ``env_file`` (WEBMAIL_* lines read by scripts/dev.py). The secret is shown only once, so
    when the file is missing or names another client, the secret is replaced."""
    known = _read_env(env_file).get("WEBMAIL_CLIENT_ID")
    client = db.session.scalar(db.select(Client).where(Client.name == DEMO_WEBMAIL_NAME))
    if client is None:
        registered = register_client(
            DEMO_WEBMAIL_NAME,
            redirect_uris=[f"{base_url}/auth/callback"],
            post_logout_redirect_uris=[f"{base_url}/"],
            backchannel_logout_uri=f"{base_url}/auth/backchannel-logout",
            first_party=True,
        )
        client, secret = registered.client, registered.client_secret
    elif known != client.client_id or not env_file.exists():
        secret = new_secret()
        client.secret_hash = digest(secret)
        audit.record("client.secret_replaced", client_id=client.client_id, reason="demo")
    else:
        return f"Webmail de démonstration : {base_url} (client {client.client_id})"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text(f"WEBMAIL_CLIENT_ID={client.client_id}\n"
                        f"WEBMAIL_CLIENT_SECRET={secret}\nWEBMAIL_BASE_URL={base_url}\n")
    env_file.chmod(0o600)
    return f"Webmail de démonstration : {base_url} (client {client.client_id})"


def _read_env(env_file: Path) -> dict[str, str]:
    if not env_file.exists():
        return {}
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}
