"""person_keys: recognising returning participants without their address

One row per registration: the HMAC of its normalized e-mail address (NULL once erased),
and what the reports keep when it is erased (the visit's classification, the role group).
Rows are written lazily by eventhub.attendance.people.assign_keys, so existing
registrations need no backfill here.

Revision ID: 2b9e5d7a1c34
Revises: 5c2e9d7a1b3f
Create Date: 2026-12-07 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b9e5d7a1c34'
down_revision = '5c2e9d7a1b3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_keys',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=True),
    sa.Column('first_visit', sa.Boolean(), nullable=True),
    sa.Column('role_group', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_person_keys_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_person_keys'))
    )
    with op.batch_alter_table('person_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_keys_key'), ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('person_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_keys_key'))
    op.drop_table('person_keys')
