"""job attempts: the record of each attempt of a background job

Revision ID: 7d3b2e6f1a40
Revises: 7e3b9c41d0a6
Create Date: 2026-12-06 04:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3b2e6f1a40'
down_revision = '7e3b9c41d0a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_attempts'))
    )
    with op.batch_alter_table('job_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_job_attempts_job_id_attempt', ['job_id', 'attempt'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_attempts_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_attempts_started_at'))
        batch_op.drop_index('ix_job_attempts_job_id_attempt')

    op.drop_table('job_attempts')
