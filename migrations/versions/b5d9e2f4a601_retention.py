"""retention: a centre's own retention period, and the record of each event's purge

organizations.retention_days overrides RETENTION_DAYS (NULL: the default);
retention_purges holds one row per purged event (when, why, counts), unique per event.

Revision ID: b5d9e2f4a601
Revises: 108eec53ceaa
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'b5d9e2f4a601'
down_revision = '108eec53ceaa'
branch_labels = None
depends_on = None


def upgrade():
    # Adding a column needs no rebuild on SQLite (ALTER TABLE ADD COLUMN); organizations
    # are pointed at by events, users and mappings all the same.
    with sqlite_rebuild(), op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
    op.create_table('retention_purges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('registrations', sa.Integer(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('attendance_files', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_retention_purges_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_retention_purges_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_purges')),
    sa.UniqueConstraint('event_id', name=op.f('uq_retention_purges_event_id'))
    )


def downgrade():
    op.drop_table('retention_purges')
    with sqlite_rebuild(), op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('retention_days')
