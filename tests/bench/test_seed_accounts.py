"""The benchmark's bulk accounts are real accounts: a seeded person signs in with the bench
password and the code e-mailed to their notification address, and seeding again adds nothing."""

from __future__ import annotations

from sqlalchemy import func

from bench.seed_accounts import BENCH_PASSWORD, account_email, notification_email, seed
from idp.extensions import db
from idp.models import AuditEvent, Mailbox, MailboxAccess, Organisation, User

from ..interaction.second_factor_journey import (
    code_page,
    finish,
    id_token_of,
    latest_code,
    password_step,
    start,
    type_code,
)


def _counts(app) -> tuple[int, ...]:
    with app.app_context():
        created = db.select(func.count()).where(AuditEvent.event == "user.created")
        return (*(db.session.scalar(db.select(func.count()).select_from(model))
                  for model in (Organisation, User, Mailbox, MailboxAccess)),
                db.session.scalar(created))


def test_a_seeded_account_signs_in_with_password_and_emailed_code(
        app, database_url, client, actors, mail_catcher):
    seed(database_url, 3)
    seed(database_url, 3)
    assert _counts(app) == (1, 3, 3, 3, 3)
    rp = actors.rp(min_acr="mfa")

    page, verifier = start(client, actors, rp)
    response = password_step(client, page, username=account_email(2), password=BENCH_PASSWORD)
    page = code_page(client, response)
    assert mail_catcher.messages("email")[0]["to"] == [notification_email(2)]
    query = finish(client, type_code(client, page, latest_code(mail_catcher)), rp)
    claims = id_token_of(client, actors, rp, query, verifier)

    assert claims["acr"] == "mfa"
    with app.app_context():
        person = db.session.scalar(db.select(User).where(User.email == account_email(2)))
        assert claims["sub"] == person.subject
        assert person.organisation.name == "Bench" and person.given_name and person.family_name
        created = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.event == "user.created", AuditEvent.user_id == person.id))
        assert created.detail == {"email": account_email(2), "role": "user"}


def test_seeding_again_gives_their_journal_event_to_accounts_seeded_without_one(
        app, database_url):
    seed(database_url, 3)
    with app.app_context():
        db.session.execute(db.delete(AuditEvent).where(AuditEvent.event == "user.created"))
        db.session.commit()  # a test that edits the database directly is its own edge
    assert _counts(app) == (1, 3, 3, 3, 0)

    seed(database_url, 3)
    seed(database_url, 3)

    assert _counts(app) == (1, 3, 3, 3, 3)
