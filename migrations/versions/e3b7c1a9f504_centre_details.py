"""centres: postal address, the sender name of their e-mails, a logo (PNG, re-encoded)

Revision ID: e3b7c1a9f504
Revises: b3f7d9e1c842
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'e3b7c1a9f504'
down_revision = 'b3f7d9e1c842'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN only: no table rebuild, also on SQLite.
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('sender_name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('logo_png', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with sqlite_rebuild(), op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('logo_updated_at')  # users and events point at organizations
        batch_op.drop_column('logo_png')
        batch_op.drop_column('sender_name')
        batch_op.drop_column('address')
