"""events.personal_data_erased_at: when the retention purge deleted the participants' data

From then on the event takes no attendance records (imports, check-ins, walk-ins) that would
bring personal data back. Events purged before this revision get the time of their purge.

Revision ID: 7d1e4f2a9c60
Revises: f6a2d8b0c915
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = '7d1e4f2a9c60'
down_revision = 'f6a2d8b0c915'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_erased_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE events SET personal_data_erased_at = (SELECT retention_purges.purged_at"
               " FROM retention_purges WHERE retention_purges.event_id = events.id)"
               " WHERE id IN (SELECT event_id FROM retention_purges)")


def downgrade():
    with sqlite_rebuild(), op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('personal_data_erased_at')  # many tables point at events
