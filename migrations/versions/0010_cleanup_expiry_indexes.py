"""cleanup: indexes on the moments `idp cleanup` finds expired rows by

Authorization codes, OTP challenges, password links and notification-address links by their
expiry; single sign-on sessions by their start, their last use and their end. Each batch of
the cleanup reads its rows through these indexes instead of the whole table.

Revision ID: 7e3b9c41d0a6
Revises: 5c1f0e8a9d27
Create Date: 2026-12-06 04:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7e3b9c41d0a6'
down_revision = '5c1f0e8a9d27'
branch_labels = None
depends_on = None

INDEXES = {
    'authorization_codes': ['expires_at'],
    'otp_challenges': ['expires_at'],
    'password_reset_tokens': ['expires_at'],
    'notification_email_changes': ['expires_at'],
    'sso_sessions': ['created_at', 'last_seen_at', 'ended_at'],
}


def upgrade():
    for table, columns in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def downgrade():
    for table, columns in reversed(INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
