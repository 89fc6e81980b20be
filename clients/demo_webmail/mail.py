"""Mailboxes and their messages: open (with a welcome message the first time), list, read,
send. Used by the views and the seed command alike."""

from __future__ import annotations

from .extensions import db
from .models import Message, OpenedMailbox

WELCOME_SENDER = "accueil@demo.mssante.fr"
WELCOME_SUBJECT = "Bienvenue dans votre messagerie sécurisée de santé"
WELCOME_BODY = (
    "Bonjour,\n\nCette boîte aux lettres ({address}) est ouverte dans le webmail de "
    "démonstration.\nVous pouvez y lire vos messages et en écrire aux autres adresses de la "
    "démonstration.\n\nL'équipe MSSanté"
)


def open_mailbox(address: str) -> None:
    """Open the mailbox at ``address``: the first time, a welcome message lands in its inbox."""
    if db.session.get(OpenedMailbox, address) is not None:
        return
    db.session.add(OpenedMailbox(address=address))
    db.session.add(Message(mailbox=address, folder="Inbox", sender=WELCOME_SENDER,
                           recipient=address, subject=WELCOME_SUBJECT,
                           body=WELCOME_BODY.format(address=address)))
    db.session.commit()


def folder(address: str, name: str) -> list[Message]:
    """Messages of one folder, newest first."""
    return list(db.session.scalars(
        db.select(Message).where(Message.mailbox == address, Message.folder == name)
        .order_by(Message.sent_at.desc(), Message.id.desc())
    ))


def unread_count(address: str) -> int:
    """Unread messages in the inbox of ``address``."""
    return db.session.scalar(db.select(db.func.count(Message.id)).where(
        Message.mailbox == address, Message.folder == "Inbox", Message.read.is_(False)))


def read(address: str, message_id: int) -> Message | None:
    """One message of ``address``, marked read; None when it is not there."""
    message = db.session.get(Message, message_id)
    if message is None or message.mailbox != address:
        return None
    message.read = True
    db.session.commit()
    return message


def was_sent(sender: str, subject: str) -> bool:
    """Whether ``sender`` already sent a message with this subject."""
    return db.session.scalar(db.select(Message.id).where(
        Message.mailbox == sender, Message.folder == "Sent", Message.subject == subject
    ).limit(1)) is not None


def send(sender: str, recipient: str, subject: str, body: str) -> None:
    """Deliver: a copy in the sender's Sent folder and one in the recipient's Inbox."""
    for mailbox, folder_name in ((sender, "Sent"), (recipient, "Inbox")):
        db.session.add(Message(mailbox=mailbox, folder=folder_name, sender=sender,
                               recipient=recipient, subject=subject, body=body,
                               read=folder_name == "Sent"))
    db.session.commit()
