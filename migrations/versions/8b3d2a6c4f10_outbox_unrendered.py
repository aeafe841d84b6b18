"""outbox: messages rendered by the sender

Revision ID: 8b3d2a6c4f10
Revises: 5e1f0c9a7b21
Create Date: 2026-11-21 14:05:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = '8b3d2a6c4f10'
down_revision = '5e1f0c9a7b21'
branch_labels = None
depends_on = None


def upgrade():
    # A rebuild on SQLite; without this it deleted every calendar invitation (CASCADE).
    with sqlite_rebuild(), op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unrendered', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with sqlite_rebuild(), op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('unrendered')
