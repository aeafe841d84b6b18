"""accounts: invitations (users.invitation_pending)

An invited account has no password of its own until the invitation link is used; until
then it cannot log in. Existing accounts have chosen theirs.

Revision ID: b7e2c9d14a01
Revises: 2b9e5d7a1c34
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'b7e2c9d14a01'
down_revision = '2b9e5d7a1c34'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN with a constant default: no table rebuild, also on SQLite.
    op.add_column('users', sa.Column('invitation_pending', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade():
    # Open invitations become accounts nobody can log in to (their password is random).
    with sqlite_rebuild(), op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('invitation_pending')
