"""admin lists at scale: keyset indexes, shared-mailbox index, trigram search (PostgreSQL)

The administration's lists read one page from the key of a row (address; moment and id) and
search a part of an address or of a family name, or the start of an audit event's name (its
index is in pattern order on PostgreSQL, whatever the collation). On PostgreSQL, pg_trgm's GIN
indexes serve that search (the extension is trusted: the database owner may create it);
SQLite reads every account, as before, and has no trigram index. Downgrading keeps the
extension, which other objects may use.

Revision ID: 5c1f0e8a9d27
Revises: dbb959b8a549
Create Date: 2026-12-06 01:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1f0e8a9d27'
down_revision = 'dbb959b8a549'
branch_labels = None
depends_on = None

SHARED = "type <> 'PER'"
TRIGRAMS = {"ix_users_email_trigrams": "email", "ix_users_family_name_trigrams": "family_name"}


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_organisation_email', ['organisation_id', 'email'],
                              unique=False)
        batch_op.drop_index('ix_users_organisation_id')
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.create_index('ix_mailboxes_shared', ['organisation_id', 'address'], unique=False,
                              postgresql_where=sa.text(SHARED), sqlite_where=sa.text(SHARED))
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_at_id', ['at', 'id'], unique=False)
        batch_op.drop_index('ix_audit_events_at')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_created_id', ['created_at', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        _event_index({'event': 'varchar_pattern_ops'})
        for name, column in TRIGRAMS.items():
            op.create_index(name, 'users', [column], postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})


def _event_index(ops):
    """The index of audit event names, in pattern order (``ops``) or in the collation's."""
    op.drop_index('ix_audit_events_event', table_name='audit_events')
    op.create_index('ix_audit_events_event', 'audit_events', ['event'], unique=False,
                    postgresql_ops=ops)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _event_index({})
        for name in TRIGRAMS:
            op.drop_index(name, table_name='users')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_created_id')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.drop_index('ix_audit_events_at_id')
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.drop_index('ix_mailboxes_shared', postgresql_where=sa.text(SHARED),
                            sqlite_where=sa.text(SHARED))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_organisation_id', ['organisation_id'], unique=False)
        batch_op.drop_index('ix_users_organisation_email')
