"""`flask db upgrade` on an empty database gives exactly the schema of the models."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from eventhub import create_app
from eventhub.extensions import db
from tests.conftest import TEST_CONFIG, TEST_DATABASE_URL


@contextmanager
def _empty_postgres_database():
    from config import normalize_database_url
    server = sa.engine.make_url(normalize_database_url(TEST_DATABASE_URL))
    name = f"eventhub_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def _empty_database(tmp_path):
    if TEST_DATABASE_URL:
        with _empty_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_and_downgrade_empties(tmp_path):
    with _empty_database(tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            assert _differences(app) == []
            regions = db.session.scalar(sa.text("SELECT count(*) FROM regions"))
            assert regions == 18
            db.session.remove()  # release SQLite's read lock before the downgrade
            downgrade(revision="base")
            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("table", ["events", "agenda_items"])
def test_end_before_start_is_refused_by_the_database_too(db_session, make, table):
    event = make.event()
    if table == "agenda_items":
        make.agenda_item(event)
    with pytest.raises(sa.exc.IntegrityError):
        with db_session.begin_nested():
            db_session.execute(sa.text(f"UPDATE {table} SET ends_at = starts_at"))


# Rows that point at tables SQLite rebuilds (outbox_messages, users, attendance_imports) in
# the migrations since 5e1f0c9a7b21: the rebuild must keep them and their links (foreign
# keys stay on).
LINKS = {
    "calendar_invites": "SELECT count(*) FROM calendar_invites",
    "reminder deliveries with their message":
        "SELECT count(*) FROM reminder_deliveries WHERE outbox_message_id IS NOT NULL",
    "events with their author": "SELECT count(*) FROM events WHERE created_by_id IS NOT NULL",
    "attendances with their import":
        "SELECT count(*) FROM attendances WHERE import_id IS NOT NULL",
}


def _linked_rows(app) -> dict[str, int]:
    with app.app_context():
        counts = {name: db.session.scalar(sa.text(sql)) for name, sql in LINKS.items()}
        db.session.remove()
        return counts


def _fill(app) -> None:
    """A confirmed registration (its invitation), a reminder queued for it, an author, and
    its attendance from an imported report."""
    from eventhub import demo, timeutil
    from eventhub.attendance import importing
    from eventhub.auth.models import User
    from eventhub.events.models import Event
    from eventhub.registration import services
    from eventhub.reminders import dispatch
    from eventhub.reminders.models import ReminderKind, ReminderRule
    from tests.attendance.conftest import sample
    from tests.registration.helpers import applicant
    with app.app_context():
        now = timeutil.utcnow()
        demo.load(now)
        event = db.session.scalars(sa.select(Event).order_by(Event.starts_at)
                                   .where(Event.starts_at > now)).first()
        event.double_opt_in = False
        event.created_by_id = db.session.scalars(sa.select(User.id)).first()
        db.session.add(ReminderRule(event_id=event.id, kind=ReminderKind.BEFORE_START,
                                    offset_minutes=60))
        services.register(event.id, applicant(email="erika.muster@example.org"), now)
        db.session.commit()
        dispatch.run(event.starts_at - timedelta(minutes=30))
        user = db.session.scalars(sa.select(User)).first()
        after = event.ends_at  # reports are imported once the event has started
        record, _ = importing.upload(event, "bericht.csv", sample("generic_utf8_bom.csv"),
                                     user, after)
        importing.apply(record, event, set(), user, after)
        db.session.commit()
        db.session.remove()


def test_rebuilding_tables_keeps_the_rows_that_point_at_them(tmp_path):
    with _empty_database(tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        _fill(app)
        before = _linked_rows(app)
        assert all(before.values()), before
        with app.app_context():
            downgrade(revision="5e1f0c9a7b21")
            db.session.remove()
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns(
                "attendance_imports")}
            assert not columns & {"mapping", "result"}
            upgrade()
            db.session.remove()
            db.engine.dispose()
        assert _linked_rows(app) == before
