"""upstream logins keep the upstream's end-session endpoint: logout asks the upstream nothing

Revision ID: 9e4c1a7b3d52
Revises: 7d3b2e6f1a40
Create Date: 2026-12-06 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4c1a7b3d52'
down_revision = '7d3b2e6f1a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('upstream_logins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_session_endpoint', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('upstream_logins', schema=None) as batch_op:
        batch_op.drop_column('end_session_endpoint')
