"""two-factor login: a TOTP secret per account and one-time recovery codes

Revision ID: f6a2d8b0c915
Revises: e3b7c1a9f504
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'f6a2d8b0c915'
down_revision = 'e3b7c1a9f504'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN only: no table rebuild, also on SQLite.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('recovery_codes')
    with sqlite_rebuild(), op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')  # events and logins point at users
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
