"""organizations.colour: the centre's colour, shown beside its name on public pages

Revision ID: 5c2e9d7a1b3f
Revises: d9f4b2c6e153
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = '5c2e9d7a1b3f'
down_revision = 'd9f4b2c6e153'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('colour', sa.String(length=7), nullable=True))


def downgrade():
    with sqlite_rebuild(), op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('colour')  # users and events point at organizations
