"""Bulk accounts for the benchmarks: ``count`` active people who can sign in with a password and
a code e-mailed to their notification address, in one organisation called "Bench".

Each account gets what ``create_user`` gives a person (the user row, its personal mailbox, the
right to open it, and the "user.created" audit event that the journal pages read), written
set-wise: the rows go to a temporary table (COPY on PostgreSQL,
executemany on SQLite), then into the real tables with ``ON CONFLICT DO NOTHING``, so that a
second run adds only what is missing. Every account shares one argon2id hash of
BENCH_PASSWORD, made once by the provider's own hasher.

Run: ``python -m bench.seed_accounts --database-url URL --count N``; the ``idp`` package it
seeds with is the interpreter's, so ``OTHER/.venv/bin/python bench/seed_accounts.py ...`` seeds
with another checkout's code and migrations. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator

from flask_migrate import upgrade
from sqlalchemy import Connection, text

from idp import create_app
from idp.accounts.organisations import create_organisation
from idp.accounts.passwords import hash_password
from idp.extensions import db
from idp.models import Organisation
from idp.models.base import new_identifier, utcnow

BENCH_PASSWORD = "bench-mssante-2026"  # noqa: S105 - benchmark credential, never in production
BENCH_ORG = ("bench", "Bench")
BATCH = 100_000

GIVEN_NAMES = (
    "Adèle", "Agathe", "Alice", "Antoine", "Arthur", "Bernard", "Camille", "Céline", "Charles",
    "Chloé", "Claire", "Clément", "Damien", "Denis", "Élise", "Émile", "Emma", "Étienne",
    "Fanny", "François", "Gabriel", "Hélène", "Hugo", "Inès", "Isabelle", "Jacques", "Jeanne",
    "Julien", "Laure", "Léa", "Louis", "Lucie", "Manon", "Marc", "Marie", "Mathieu", "Nathalie",
    "Nicolas", "Océane", "Olivier", "Pauline", "Philippe", "Pierre", "Raphaël", "Sarah",
    "Sophie", "Sylvie", "Thomas", "Valérie", "Yann",
)
FAMILY_NAMES = (
    "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent",
    "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
    "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger",
    "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand", "Dufour",
    "Blanchard", "Marie", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
    "Fernandez", "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc",
    "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe", "Leclercq",
    "Lacroix", "Fabre", "Dupuis", "Olivier",
)



def account_email(number: int) -> str:
    """The MSSanté address of bench account ``number`` (1-based): bench0000001@bench.mssante.fr."""
    return f"bench{number:07d}@bench.mssante.fr"


def notification_email(number: int) -> str:
    """Where the codes of bench account ``number`` are sent."""
    return f"bench{number:07d}@notify.bench.test"


def seed(database_url: str, count: int) -> None:
    """Make accounts 1..``count`` exist in the database at ``database_url`` (migrated to the
    newest revision first); accounts already there are left as they are."""
    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        organisation_id = _bench_organisation_id()
        password_hash = hash_password(BENCH_PASSWORD)
        with db.engine.connect() as connection:
            _create_staging(connection)
            connection.execute(text("ANALYZE"))  # the planner's view of what is there already
            for first in range(1, count + 1, BATCH):
                numbers = range(first, min(first + BATCH, count + 1))
                _stage(connection, numbers)
                _insert_staged(connection, organisation_id, password_hash)
                # A benchmark command is its own edge: each batch is kept once written.
                connection.commit()
        db.session.remove()
        db.engine.dispose()


def _bench_organisation_id() -> int:
    code, name = BENCH_ORG
    found = db.session.scalar(db.select(Organisation.id).where(Organisation.code == code))
    if found is None:
        found = create_organisation(code, name).id
        db.session.commit()  # a benchmark command is its own edge
    return found


def _create_staging(connection: Connection) -> None:
    connection.execute(text(
        "CREATE TEMPORARY TABLE IF NOT EXISTS bench_seed_staging "
        "(subject VARCHAR(64), email VARCHAR(254), given_name VARCHAR(128), "
        "family_name VARCHAR(128), notification_email VARCHAR(254), detail JSON)"))


def _rows(numbers: range) -> Iterator[tuple[str, ...]]:
    given, family = len(GIVEN_NAMES), len(FAMILY_NAMES)
    for number in numbers:
        email = account_email(number)
        yield (new_identifier(), email, GIVEN_NAMES[number % given],
               FAMILY_NAMES[(number // given) % family], notification_email(number),
               json.dumps({"email": email, "role": "user"}))


def _stage(connection: Connection, numbers: range) -> None:
    """The people ``numbers`` in the staging table, with its planner statistics (without them
    PostgreSQL joins a batch to a million accounts by reading them all for each row)."""
    connection.execute(text("DELETE FROM bench_seed_staging"))
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy("COPY bench_seed_staging FROM STDIN") as copy:
            for row in _rows(numbers):
                copy.write_row(row)
    else:
        connection.connection.driver_connection.executemany(
            "INSERT INTO bench_seed_staging VALUES (?, ?, ?, ?, ?, ?)", _rows(numbers))
    connection.execute(text("ANALYZE bench_seed_staging"))


def _insert_staged(connection: Connection, organisation_id: int, password_hash: str) -> None:
    """What create_user writes for each staged person: the account, its personal mailbox, the
    right to open it and the audit event of the account (for each staged account that has none,
    at the moment it was made: databases seeded before the events were added get them too).
    "WHERE true" lets SQLite read ON CONFLICT after a SELECT."""
    values = {"organisation_id": organisation_id, "password_hash": password_hash,
              "now": utcnow(), "false": False}
    connection.execute(text(
        "INSERT INTO users (subject, email, given_name, family_name, notification_email, phone, "
        "password_hash, status, role, organisation_id, created_at, password_changed_at) "
        "SELECT subject, email, given_name, family_name, notification_email, NULL, "
        ":password_hash, "
        "'active', 'user', :organisation_id, :now, :now "
        "FROM bench_seed_staging WHERE true ON CONFLICT (email) DO NOTHING"), values)
    connection.execute(text(
        "INSERT INTO mailboxes (address, type, name, organisation_id, sensitive, created_at) "
        "SELECT email, 'PER', given_name || ' ' || family_name, :organisation_id, :false, :now "
        "FROM bench_seed_staging WHERE true ON CONFLICT (address) DO NOTHING"), values)
    connection.execute(text(
        "INSERT INTO mailbox_access (user_id, mailbox_id) "
        "SELECT users.id, mailboxes.id FROM bench_seed_staging "
        "JOIN users ON users.email = bench_seed_staging.email "
        "JOIN mailboxes ON mailboxes.address = bench_seed_staging.email "
        "WHERE true ON CONFLICT (user_id, mailbox_id) DO NOTHING"))
    connection.execute(text(
        "INSERT INTO audit_events (at, event, user_id, detail) "
        "SELECT users.created_at, 'user.created', users.id, detail FROM bench_seed_staging "
        "JOIN users ON users.email = bench_seed_staging.email "
        "WHERE NOT EXISTS (SELECT 1 FROM audit_events AS made "
        "WHERE made.user_id = users.id AND made.event = 'user.created')"))


def main() -> None:
    """Command line: seed the accounts and say how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, required=True)
    arguments = parser.parse_args()
    started = time.perf_counter()
    seed(arguments.database_url, arguments.count)
    print(f"{arguments.count} accounts present ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
