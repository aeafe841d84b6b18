"""certificates: which events issue certificates of attendance, and the codes issued

Revision ID: d9f4b2c6e153
Revises: c7e3a1f9d842
Create Date: 2026-12-07 14:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9f4b2c6e153'
down_revision = 'c7e3a1f9d842'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_settings',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('enabled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enabled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enabled_by_id'], ['users.id'], name=op.f('fk_certificate_settings_enabled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_certificate_settings_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_certificate_settings'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_certificates_registration_id'))
    )


def downgrade():
    op.drop_table('certificates')
    op.drop_table('certificate_settings')
