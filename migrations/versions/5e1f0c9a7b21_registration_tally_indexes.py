"""registrations: indexes for the count under the event lock

Revision ID: 5e1f0c9a7b21
Revises: 03315d0b05c2
Create Date: 2026-11-21 13:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1f0c9a7b21'
down_revision = '03315d0b05c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_event_expiry',
                              ['event_id', 'status', 'pending_expires_at'], unique=False)
        batch_op.create_index('ix_registrations_event_waitlist',
                              ['event_id', 'waitlist_number'], unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_event_waitlist')
        batch_op.drop_index('ix_registrations_event_expiry')
