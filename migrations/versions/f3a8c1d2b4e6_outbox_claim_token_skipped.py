"""outbox: a token per claim (leases are renewed now) and the status 'skipped'

Revision ID: f3a8c1d2b4e6
Revises: 8b3d2a6c4f10
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'f3a8c1d2b4e6'
down_revision = '8b3d2a6c4f10'
branch_labels = None
depends_on = None

BEFORE = ('queued', 'sending', 'sent', 'failed')
AFTER = BEFORE + ('skipped',)


def _status(values):
    return sa.Enum(*values, name='message_status', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    # The rebuild must not delete calendar_invites (ON DELETE CASCADE) or empty
    # reminder_deliveries.outbox_message_id (SET NULL) on SQLite.
    with sqlite_rebuild(), op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.alter_column('status', existing_type=_status(BEFORE), type_=_status(AFTER),
                              existing_nullable=False)


def downgrade():
    # A skipped message was never sent; 'failed' is the nearest the old schema knows.
    op.execute("UPDATE outbox_messages SET status = 'failed' WHERE status = 'skipped'")
    with sqlite_rebuild(), op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(AFTER), type_=_status(BEFORE),
                              existing_nullable=False)
        batch_op.drop_column('claim_token')
