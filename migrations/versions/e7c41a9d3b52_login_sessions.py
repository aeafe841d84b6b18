"""login sessions: a row per login, so that logging out ends it on the server

Replaces users.session_token (one token per user, kept by every copy of a session cookie
until the next password change). Everyone logged in is logged out once by this upgrade.

Revision ID: e7c41a9d3b52
Revises: f3a8c1d2b4e6
Create Date: 2026-12-08 12:00:00

"""
import secrets
from alembic import op
import sqlalchemy as sa

from eventhub.migrating import sqlite_rebuild


# revision identifiers, used by Alembic.
revision = 'e7c41a9d3b52'
down_revision = 'f3a8c1d2b4e6'
branch_labels = None
depends_on = None


def upgrade():
    with sqlite_rebuild():  # keeps events.created_by_id and others (ON DELETE SET NULL)
        with op.batch_alter_table('users', schema=None) as batch_op:
            batch_op.drop_constraint('uq_users_session_token', type_='unique')
            batch_op.drop_column('session_token')

    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_sessions_created_at'))

    op.drop_table('login_sessions')

    # Back to a token per user: a new random one each, as the old code gave new users.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(session_token=secrets.token_urlsafe(32)))
    with sqlite_rebuild():  # keeps events.created_by_id and others (ON DELETE SET NULL)
        with op.batch_alter_table('users', schema=None) as batch_op:
            batch_op.alter_column('session_token', existing_type=sa.String(length=64),
                                  nullable=False)
            batch_op.create_unique_constraint(batch_op.f('uq_users_session_token'),
                                              ['session_token'])
