"""The demo set: a few messages between the demo's addresses, and the sensitive mailbox."""

from __future__ import annotations

from . import mail

SENSITIVE_MAILBOX = "secretariat.cardiologie@demo.mssante.fr"
JEANNE = "jeanne.martin@demo.mssante.fr"
PAUL = "paul.durand@demo.mssante.fr"
DEMO_MESSAGES = [
    (PAUL, JEANNE, "Compte rendu de consultation",
     "Bonjour Jeanne,\n\nVoici le compte rendu de M. Petit, vu ce matin.\n\nPaul"),
    (JEANNE, SENSITIVE_MAILBOX, "Rendez-vous à programmer",
     "Bonjour,\n\nMerci de programmer une échographie cardiaque pour Mme Leroy.\n\nJeanne"),
    (SENSITIVE_MAILBOX, PAUL, "Planning des consultations",
     "Bonjour Dr Durand,\n\nLe planning de la semaine prochaine est prêt.\n\nLe secrétariat"),
]


def seed() -> list[str]:
    """Mark the sensitive mailbox and add the demo messages once; returns what was done."""
    lines = []
    if not mail.is_sensitive(SENSITIVE_MAILBOX):
        mail.mark_sensitive(SENSITIVE_MAILBOX)
        for sender, recipient, subject, body in DEMO_MESSAGES:
            mail.send(sender, recipient, subject, body)
        lines.append(f"{len(DEMO_MESSAGES)} messages de démonstration ajoutés.")
    lines.append(f"Boîte sensible (second facteur de moins de 5 minutes) : {SENSITIVE_MAILBOX}")
    return lines
