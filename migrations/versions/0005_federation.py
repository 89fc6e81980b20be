"""federation: links to upstream identities (replacing users.national_id), upstream sign-ins

Revision ID: b57c6218bab2
Revises: 8b1b2fc957e0
Create Date: 2026-11-29 08:29:12.989958

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b57c6218bab2'
down_revision = '8b1b2fc957e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('federated_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('upstream', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('linked_by', sa.String(length=32), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federated_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federated_identities')),
    sa.UniqueConstraint('upstream', 'subject', name=op.f('uq_federated_identities_upstream')),
    sa.UniqueConstraint('user_id', 'upstream', name=op.f('uq_federated_identities_user_id'))
    )
    op.create_table('upstream_logins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sso_session_id', sa.Integer(), nullable=False),
    sa.Column('upstream', sa.String(length=32), nullable=False),
    sa.Column('id_token', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sso_session_id'], ['sso_sessions.id'], name=op.f('fk_upstream_logins_sso_session_id_sso_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upstream_logins')),
    sa.UniqueConstraint('sso_session_id', name=op.f('uq_upstream_logins_sso_session_id'))
    )
    # National identifiers already recorded become Pro Santé Connect links.
    op.execute(
        "INSERT INTO federated_identities (user_id, upstream, subject, linked_by, linked_at) "
        "SELECT id, 'psc', national_id, 'migration', CURRENT_TIMESTAMP FROM users "
        "WHERE national_id IS NOT NULL"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_national_id'), type_='unique')
        batch_op.drop_column('national_id')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id', sa.VARCHAR(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_national_id'), ['national_id'])
    op.execute(
        "UPDATE users SET national_id = (SELECT subject FROM federated_identities f "
        "WHERE f.user_id = users.id AND f.upstream = 'psc')"
    )
    op.drop_table('upstream_logins')
    op.drop_table('federated_identities')
