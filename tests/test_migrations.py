"""Migrations: the only way the schema is built. They match the models, go down and up again,
and give every lookup path an index."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from idp import create_app
from idp.extensions import db
from idp.models.base import for_database

from .conftest import TEST_SETTINGS

# (table, columns) pairs the code looks rows up by: each needs an index or a unique constraint
# whose leading columns are exactly these.
LOOKUP_PATHS = [
    ("users", ["email"]),
    ("users", ["subject"]),
    ("federated_identities", ["upstream", "subject"]),
    ("federated_identities", ["user_id", "upstream"]),
    ("upstream_logins", ["sso_session_id"]),
    ("notification_email_changes", ["token_hash"]),
    ("notification_email_changes", ["user_id"]),
    ("organisations", ["code"]),
    ("mailboxes", ["address"]),
    ("mailbox_access", ["user_id"]),
    ("clients", ["client_id"]),
    ("tokens", ["access_token_hash"]),
    ("tokens", ["refresh_token_hash"]),
    ("tokens", ["family_id"]),
    ("tokens", ["sid"]),
    ("authorization_codes", ["code_hash"]),
    ("authorization_codes", ["client_id", "nonce"]),
    ("sso_sessions", ["sid"]),
    ("authorization_requests", ["uid"]),
    ("authorization_requests", ["expires_at"]),
    ("signing_keys", ["kid"]),
    ("signing_keys", ["state"]),
    ("consents", ["user_id", "client_id"]),
    ("client_assertions", ["client_id", "jti"]),
    ("client_assertions", ["expires_at"]),
    ("refresh_retries", ["token_id"]),
    ("refresh_retries", ["expires_at"]),
    ("audit_events", ["user_id"]),
    # what ``idp cleanup`` finds expired rows by
    ("authorization_codes", ["expires_at"]),
    ("otp_challenges", ["expires_at"]),
    ("password_reset_tokens", ["expires_at"]),
    ("notification_email_changes", ["expires_at"]),
    ("sso_sessions", ["created_at"]),
    ("sso_sessions", ["last_seen_at"]),
    ("sso_sessions", ["ended_at"]),
    ("tokens", ["authorization_code_id"]),
    ("failure_counters", ["last_failure_at"]),
    ("audit_events", ["at"]),
    ("deliveries", ["created_at"]),
]


def indexed_prefixes(inspector, table: str) -> list[list[str]]:
    """Column lists of every index and unique constraint of ``table`` (both are indexes)."""
    indexes = [ix["column_names"] for ix in inspector.get_indexes(table)]
    uniques = [uq["column_names"] for uq in inspector.get_unique_constraints(table)]
    primary = [inspector.get_pk_constraint(table)["constrained_columns"]]
    return indexes + uniques + primary


def is_indexed(inspector, table: str, columns: list[str]) -> bool:
    return any(cols[: len(columns)] == columns for cols in indexed_prefixes(inspector, table))


def schema_differences() -> list:
    """What autogenerate would write in a new revision: empty when models and migrations agree."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": for_database(connection.dialect.name)})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    with app.app_context():
        assert schema_differences() == []


def test_every_model_table_is_created_by_the_migrations(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


@pytest.mark.parametrize(("table", "columns"), LOOKUP_PATHS, ids=lambda v: str(v))
def test_every_lookup_path_has_an_index(app, table, columns):
    with app.app_context():
        inspector = inspect(db.engine)
        assert is_indexed(inspector, table, columns), indexed_prefixes(inspector, table)


def test_every_foreign_key_column_has_an_index(app):
    """Deleting a parent row (cascades, SET NULL) must not scan the child table."""
    with app.app_context():
        inspector = inspect(db.engine)
        missing = [
            (table, fk["constrained_columns"])
            for table in db.metadata.tables
            for fk in inspector.get_foreign_keys(table)
            if not is_indexed(inspector, table, fk["constrained_columns"])
        ]
    assert missing == []


def test_migrations_go_down_to_an_empty_database_and_up_again(tmp_path):
    fresh = create_app({**TEST_SETTINGS, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})
    with fresh.app_context():
        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        assert schema_differences() == []
        db.engine.dispose()


def test_national_identifiers_recorded_before_federation_become_psc_links(tmp_path):
    """Revision 0005 moves users.national_id into federated_identities, and back down."""
    fresh = create_app({**TEST_SETTINGS, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    with fresh.app_context():
        upgrade(revision="8b1b2fc957e0")  # 0004, before federation
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, subject, email, given_name, family_name, "
                "notification_email, status, role, national_id, created_at) VALUES (7, 's', "
                "'a@chu.mssante.fr', 'A', 'B', 'a@example.org', 'active', 'user', "
                "'810001234567', CURRENT_TIMESTAMP)"))
        upgrade()
        with db.engine.connect() as connection:
            links = connection.execute(text(
                "SELECT user_id, upstream, subject FROM federated_identities")).all()
        assert links == [(7, "psc", "810001234567")]

        downgrade(revision="8b1b2fc957e0")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT national_id FROM users")).scalar() == \
                "810001234567"
        db.engine.dispose()


def test_rebuilding_a_sqlite_table_keeps_the_rows_that_point_at_it(tmp_path):
    """SQLite batch mode drops and recreates a table; with foreign keys enforced during the
    migration, the rows referencing it (ON DELETE CASCADE) would silently go with it."""
    fresh = create_app({**TEST_SETTINGS, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    with fresh.app_context():
        upgrade(revision="0a85225047e3")  # 0003, before 0004 rebuilds mailboxes
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, subject, email, given_name, family_name, "
                "notification_email, status, role, created_at) VALUES (1, 's', "
                "'a@chu.mssante.fr', 'A', 'B', 'a@example.org', 'active', 'user', "
                "CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO mailboxes (id, address, type, name, created_at) VALUES "
                "(1, 'bal@chu.mssante.fr', 'ORG', 'BAL', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO mailbox_access (id, user_id, mailbox_id) VALUES (1, 1, 1)"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM mailbox_access")).scalar() == 1
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on
        db.engine.dispose()
