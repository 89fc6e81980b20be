"""The demo set: a few messages between the demo's addresses."""

from __future__ import annotations

from . import mail

ORG_MAILBOX = "secretariat.cardiologie@demo.mssante.fr"
JEANNE = "jeanne.martin@demo.mssante.fr"
PAUL = "paul.durand@demo.mssante.fr"
DEMO_MESSAGES = [
    (PAUL, JEANNE, "Compte rendu de consultation",
     "Bonjour Jeanne,\n\nVoici le compte rendu de M. Petit, vu ce matin.\n\nPaul"),
    (JEANNE, ORG_MAILBOX, "Rendez-vous à programmer",
     "Bonjour,\n\nMerci de programmer une échographie cardiaque pour Mme Leroy.\n\nJeanne"),
    (ORG_MAILBOX, PAUL, "Planning des consultations",
     "Bonjour Dr Durand,\n\nLe planning de la semaine prochaine est prêt.\n\nLe secrétariat"),
]


def seed() -> list[str]:
    """Add the demo messages not yet sent; returns what was done."""
    added = 0
    for sender, recipient, subject, body in DEMO_MESSAGES:
        if not mail.was_sent(sender, subject):
            mail.send(sender, recipient, subject, body)
            added += 1
    return [f"{added} messages de démonstration ajoutés ({len(DEMO_MESSAGES)} au total)."]
