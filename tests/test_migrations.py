"""`flask db upgrade` on an empty database gives exactly the schema of the models."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

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
