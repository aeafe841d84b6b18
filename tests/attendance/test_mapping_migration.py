"""The migration that adds remembered column mappings and an import's mapping and result:
on SQLite it rebuilds attendance_imports, which attendances point at (ON DELETE SET NULL);
the rebuild must keep every attendance linked to its import, both ways."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from eventhub import create_app
from eventhub.extensions import db
from tests.conftest import TEST_CONFIG
from tests.test_migrations import _empty_database

BEFORE = "e7c41a9d3b52"
LINKED = "SELECT count(*) FROM attendances WHERE import_id IS NOT NULL"


def _fill(app) -> None:
    """An event with a confirmed registration whose attendance came from an import."""
    from eventhub import demo, timeutil
    from eventhub.attendance import importing
    from eventhub.auth.models import User
    from eventhub.events.models import Event
    from eventhub.registration import services
    from tests.attendance.conftest import sample
    from tests.registration.helpers import applicant
    with app.app_context():
        now = timeutil.utcnow()
        demo.load(now)
        event = db.session.scalars(sa.select(Event).order_by(Event.starts_at)
                                   .where(Event.starts_at > now)).first()
        event.double_opt_in = False
        person = services.register(event.id, applicant(email="erika.muster@example.org"),
                                   now).registration
        user = db.session.scalars(sa.select(User)).first()
        after = event.ends_at  # reports are imported once the event has started
        record, _ = importing.upload(event, "bericht.csv", sample("generic_utf8_bom.csv"),
                                     user, after)
        importing.apply(record, event, set(), user, after)
        assert person.id and record.matched_count == 1
        db.session.commit()
        db.session.remove()


def _linked(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.text(LINKED))
        db.session.remove()
        return count


def test_the_rebuild_keeps_attendances_linked_to_their_import(tmp_path):
    with _empty_database(tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        _fill(app)
        assert _linked(app) == 1
        with app.app_context():
            downgrade(revision=BEFORE)
            db.session.remove()
        assert _linked(app) == 1
        with app.app_context():
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns(
                "attendance_imports")}
            assert not columns & {"mapping", "result"}
            upgrade()
            db.session.remove()
            db.engine.dispose()
        assert _linked(app) == 1
