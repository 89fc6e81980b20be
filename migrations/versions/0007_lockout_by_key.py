"""lockout counters by key: the address typed, or that address on a browser that signed in to
it, so that failures from strangers do not delay the owner's browser

The counters only hold delays of at most a quarter of an hour: they are dropped, not
converted (their new keys need SECRET_KEY, which a migration does not read).

Revision ID: 4a9206b29bca
Revises: f282cad061b5
Create Date: 2026-12-05 21:47:28.218419

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a9206b29bca'
down_revision = 'f282cad061b5'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('failure_counters')
    op.create_table('failure_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_failure_counters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failure_counters')),
    sa.UniqueConstraint('key', name=op.f('uq_failure_counters_key'))
    )
    with op.batch_alter_table('failure_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failure_counters_last_failure_at'), ['last_failure_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_failure_counters_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('failure_counters')
    op.create_table('failure_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_failure_counters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failure_counters')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_failure_counters_user_id'))
    )
