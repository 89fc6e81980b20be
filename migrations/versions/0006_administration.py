"""administration: notification address changes, client secret rotation and admin roles,
password setup links

Revision ID: f282cad061b5
Revises: b57c6218bab2
Create Date: 2026-11-29 08:55:18.077803

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f282cad061b5'
down_revision = 'b57c6218bab2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_email_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_address', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_email_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_email_changes')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_notification_email_changes_token_hash'))
    )
    with op.batch_alter_table('notification_email_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_email_changes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('admin_role', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('admin_organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_clients_admin_organisation_id'), ['admin_organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_clients_admin_organisation_id_organisations'), 'organisations', ['admin_organisation_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), server_default='reset', nullable=False))



def downgrade():
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_column('purpose')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_clients_admin_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_clients_admin_organisation_id'))
        batch_op.drop_column('admin_organisation_id')
        batch_op.drop_column('admin_role')
        batch_op.drop_column('previous_secret_expires_at')
        batch_op.drop_column('previous_secret_hash')

    with op.batch_alter_table('notification_email_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_email_changes_user_id'))

    op.drop_table('notification_email_changes')
