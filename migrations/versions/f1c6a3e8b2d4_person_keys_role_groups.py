"""person_keys: every registration's role group, and the registration version it is from

The reports read a registration's role group from person_keys instead of matching words
in its role in every report (eventhub.attendance.people.assign_keys writes it).
registration_updated_at tells which rows to write again after a change. Rows that can be
written again are deleted here (the next report writes them); rows of erased registrations
(no key) keep what they hold: their visit's classification, their role group ("not
stated" where none was kept).

Revision ID: f1c6a3e8b2d4
Revises: d9a4b6c3e812
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'f1c6a3e8b2d4'
down_revision = 'd9a4b6c3e812'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM person_keys WHERE key IS NOT NULL")
    with op.batch_alter_table('person_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_updated_at', sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE person_keys SET role_group = COALESCE(role_group, 'unstated'), "
               "registration_updated_at = (SELECT r.updated_at FROM registrations r "
               "WHERE r.id = person_keys.registration_id)")
    with sqlite_rebuild(), op.batch_alter_table('person_keys', schema=None) as batch_op:
        batch_op.alter_column('role_group', existing_type=sa.String(length=20),
                              nullable=False)
        batch_op.alter_column('registration_updated_at',
                              existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with sqlite_rebuild(), op.batch_alter_table('person_keys', schema=None) as batch_op:
        batch_op.alter_column('role_group', existing_type=sa.String(length=20),
                              nullable=True)
        batch_op.drop_column('registration_updated_at')
