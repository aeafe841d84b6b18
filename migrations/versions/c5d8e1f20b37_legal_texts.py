"""legal pages: every published text of the Impressum, the privacy policy and the
accessibility statement, versioned; consents name the privacy policy's version

Replaces the EVENTHUB_PRIVACY_NOTICE_VERSION setting. Consents given before name the
short notice of the registration form as it was: if there are any, it becomes version 1
of the privacy policy, and they are mapped to it.

Revision ID: c5d8e1f20b37
Revises: b7e2c9d14a01
Create Date: 2026-12-07 14:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from eventhub.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c5d8e1f20b37'
down_revision = 'b7e2c9d14a01'
branch_labels = None
depends_on = None

# The registration form's notice until this revision ("%(organizer)s" was the event's
# organizer), in both languages.
FORMER_NOTICE_DE = (
    "Die veranstaltende Organisation speichert Ihre Angaben nur zur Durchführung der "
    "Veranstaltung: um Ihnen die Bestätigung, Erinnerungen und den Zugangslink zu senden und "
    "die Teilnahme je Region anonym zu zählen. Über den persönlichen Link in jeder E-Mail "
    "können Sie Ihre Anmeldung jederzeit einsehen, stornieren und löschen.")
FORMER_NOTICE_EN = (
    "The organizing centre stores your details only to run the event: to send you the "
    "confirmation, reminders and the access link, and to count participation per region "
    "anonymously. You can see, cancel and delete your registration at any time through the "
    "personal link in every e-mail.")


def upgrade():
    op.create_table('legal_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('imprint', 'privacy', 'accessibility', name='legal_kind', native_enum=False, length=20, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body_de', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('placeholder', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_legal_texts_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_texts')),
    sa.UniqueConstraint('kind', 'version', name=op.f('uq_legal_texts_kind'))
    )
    bind = op.get_bind()
    consents = bind.execute(sa.text(
        "SELECT count(*) FROM registrations WHERE consent_version IS NOT NULL")).scalar()
    if consents:
        texts = sa.table('legal_texts', sa.column('kind', sa.String), sa.column('version', sa.Integer),
                         sa.column('body_de', sa.Text), sa.column('body_en', sa.Text),
                         sa.column('placeholder', sa.Boolean),
                         sa.column("published_at", UTCDateTime()))
        bind.execute(texts.insert().values(
            kind='privacy', version=1, body_de=FORMER_NOTICE_DE, body_en=FORMER_NOTICE_EN,
            placeholder=False, published_at=datetime.now(timezone.utc)))
        bind.execute(sa.text("UPDATE registrations SET consent_version = '1' "
                             "WHERE consent_version IS NOT NULL"))


def downgrade():
    # Consents keep the version they name ("1", "2", …): the setting that replaced it knew
    # only one label, and the texts go with this table.
    op.drop_table('legal_texts')
