"""sensitive mailboxes: opening one needs a recent second factor

Revision ID: 8b1b2fc957e0
Revises: 0a85225047e3
Create Date: 2026-11-29 08:17:59.184893

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1b2fc957e0'
down_revision = '0a85225047e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.drop_column('sensitive')
