"""attendance: remembered column mappings, and the mapping and result of each import

attendance_mappings keeps the column mapping an organization chose for a file layout that
was not recognised (by the header's signature); attendance_imports.mapping is the mapping
an upload was read with, attendance_imports.result what the page of a stored import shows.

Revision ID: 108eec53ceaa
Revises: e7c41a9d3b52
Create Date: 2026-12-10 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = '108eec53ceaa'
down_revision = 'e7c41a9d3b52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_attendance_mappings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_attendance_mappings_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_mappings')),
    sa.UniqueConstraint('organization_id', 'signature', name='uq_attendance_mappings_organization_signature')
    )
    # Batch mode rebuilds attendance_imports on SQLite; attendances.import_id points at it
    # (ON DELETE SET NULL), and must keep pointing.
    with sqlite_rebuild(), op.batch_alter_table('attendance_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mapping', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))


def downgrade():
    with sqlite_rebuild(), op.batch_alter_table('attendance_imports', schema=None) as batch_op:
        batch_op.drop_column('result')
        batch_op.drop_column('mapping')
    op.drop_table('attendance_mappings')
