"""messages: organizers' messages to an event's participants, and their recipients

Revision ID: c7e3a1f9d842
Revises: b5d9e2f4a601
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e3a1f9d842'
down_revision = 'b5d9e2f4a601'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participant_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subject_de', sa.String(length=200), nullable=False),
    sa.Column('body_de', sa.Text(), nullable=False),
    sa.Column('subject_en', sa.String(length=200), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_participant_messages_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_participant_messages_sent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_messages'))
    )
    with op.batch_alter_table('participant_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_messages_event_id'), ['event_id'], unique=False)
    op.create_table('participant_message_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['participant_messages.id'], name=op.f('fk_participant_message_recipients_message_id_participant_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_participant_message_recipients_outbox_message_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_participant_message_recipients_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_message_recipients')),
    sa.UniqueConstraint('message_id', 'registration_id', name='uq_participant_message_recipients'),
    sa.UniqueConstraint('outbox_message_id', name=op.f('uq_participant_message_recipients_outbox_message_id'))
    )
    with op.batch_alter_table('participant_message_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_message_recipients_registration_id'), ['registration_id'], unique=False)


def downgrade():
    op.drop_table('participant_message_recipients')
    op.drop_table('participant_messages')
