"""refresh retries: the answer of a rotation kept for a retry within the grace

Revision ID: dbb959b8a549
Revises: 4a9206b29bca
Create Date: 2026-12-05 21:44:11.109267

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dbb959b8a549'
down_revision = '4a9206b29bca'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refresh_retries',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('sealed_answer', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['successor_id'], ['tokens.id'], name=op.f('fk_refresh_retries_successor_id_tokens'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], name=op.f('fk_refresh_retries_token_id_tokens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id', name=op.f('pk_refresh_retries'))
    )
    with op.batch_alter_table('refresh_retries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresh_retries_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_retries_successor_id'), ['successor_id'], unique=False)



def downgrade():
    with op.batch_alter_table('refresh_retries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_retries_successor_id'))
        batch_op.drop_index(batch_op.f('ix_refresh_retries_expires_at'))

    op.drop_table('refresh_retries')
