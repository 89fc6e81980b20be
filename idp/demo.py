"""Demo data for a newcomer: an organisation, people, an organisational mailbox.

Development only: the demo passwords are printed and must never exist in production.
"""

from __future__ import annotations

from flask import current_app

from .accounts.mailboxes import create_mailbox, grant_access
from .accounts.organisations import create_organisation
from .accounts.users import create_user, find_user
from .errors import ValidationError
from .extensions import db
from .models import Mailbox, Organisation
from .settings import is_development

DEMO_ORG = ("0000000001", "Centre Hospitalier de Démonstration")
DEMO_PASSWORD = "demo-mssante-2026"  # noqa: S105 - printed demo credential, development only
DEMO_USERS = [
    ("jeanne.martin@demo.mssante.fr", "Jeanne Martin", "jeanne.martin@example.org",
     "+33612345678", "referent"),
    ("paul.durand@demo.mssante.fr", "Paul Durand", "paul.durand@example.org", None, "user"),
]
DEMO_ORG_MAILBOX = ("secretariat.cardiologie@demo.mssante.fr", "Secrétariat de cardiologie")


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
        create_mailbox(address, "ORG", label, organisation)
        for email, *_ in DEMO_USERS:
            grant_access(find_user(email), address)
        db.session.commit()
    lines.append(f"BAL organisationnelle : {address} (ouverte par les deux comptes)")
    return lines


def _mailbox_exists(address: str) -> bool:
    return bool(db.session.scalar(db.select(Mailbox.id).where(Mailbox.address == address)))
