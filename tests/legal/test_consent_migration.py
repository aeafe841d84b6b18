"""The migration that replaced EVENTHUB_PRIVACY_NOTICE_VERSION: consents given before name
version 1 of the privacy policy, which holds the registration form's former notice."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from eventhub import create_app, timeutil
from eventhub.extensions import db
from tests.conftest import TEST_CONFIG
from tests.test_migrations import _empty_database

BEFORE = "b7e2c9d14a01"


def _register_with_consent(app) -> None:
    from eventhub.events.models import Event, EventFormat, EventStatus
    from eventhub.organizations.models import Organization
    from eventhub.registration import services
    from tests.registration.helpers import applicant
    with app.app_context():
        now = timeutil.utcnow()
        event = Event(organization=Organization(slug="m", name="M", short_name="M",
                                                region_code="DE-SN"),
                      slug="m", title="M", format=EventFormat.WEBINAR,
                      status=EventStatus.PUBLISHED, published_at=now,
                      starts_at=now + timedelta(days=3),
                      ends_at=now + timedelta(days=3, hours=1))
        db.session.add(event)
        db.session.flush()
        services.register(event.id, applicant(consent_version="x"), now)
        db.session.commit()
        db.session.remove()


def test_existing_consents_name_version_1_the_former_notice(tmp_path):
    with _empty_database(tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            db.session.remove()
            db.engine.dispose()
        _register_with_consent(app)
        with app.app_context():
            downgrade(revision=BEFORE)
            db.session.execute(sa.text("UPDATE registrations SET consent_version = '2026-11'"))
            db.session.commit()
            db.session.remove()
            upgrade()
            versions = db.session.scalars(sa.text(
                "SELECT consent_version FROM registrations")).all()
            texts = db.session.execute(sa.text(
                "SELECT kind, version, body_de, body_en FROM legal_texts")).all()
            db.session.remove()
            db.engine.dispose()
        assert versions == ["1"]
        [(kind, version, body_de, body_en)] = texts
        assert (kind, version) == ("privacy", 1)
        assert "speichert Ihre Angaben nur zur Durchführung" in body_de
        assert "stores your details only to run the event" in body_en


def test_a_new_installation_starts_without_legal_texts(tmp_path):
    with _empty_database(tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            count = db.session.scalar(sa.text("SELECT count(*) FROM legal_texts"))
            db.session.remove()
            db.engine.dispose()
        assert count == 0
