"""Test fixtures: one app per session, a database that rolls back after every test.

The schema is built by running the real migrations, on SQLite by default or on the
PostgreSQL database named by EVENTHUB_TEST_DATABASE_URL.
"""
from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

import config
from eventhub import create_app, timeutil
from eventhub.events.queries import forget_bookable_events
from eventhub.extensions import db
from eventhub.organizations import site
from tests import factories

TEST_DATABASE_URL = os.environ.get("EVENTHUB_TEST_DATABASE_URL")

TEST_CONFIG = {
    "ENV": "testing",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_DISPATCH": "none",  # tests deliver explicitly with mail.deliver_due()
    "SERVER_NAME": "localhost",
    "LEGAL_CACHE_SECONDS": 0,  # a cached legal page would outlive its test's rollback
}


class PrivateDatabase(NamedTuple):
    """Where this test process's tables live: its URL, and on PostgreSQL the database and
    schema its connections must land in (``assert_private``)."""
    url: str
    database: str | None = None  # None: SQLite
    schema: str | None = None


def behind_pgbouncer() -> bool:
    """Whether the test database is reached through PgBouncer (EVENTHUB_DATABASE_PGBOUNCER,
    the app's own setting, which the test apps and their subprocesses read too)."""
    return bool(TEST_DATABASE_URL) and config.load(TEST_CONFIG)["DATABASE_PGBOUNCER"]


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, connect_args={"prepare_threshold": None})


@contextmanager
def _private_postgres_schema(url: str):
    """A schema of our own for this test session, so that test runs sharing one PostgreSQL
    database (developers, helpers, CI) never drop each other's tables."""
    schema = f"test_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield PrivateDatabase(
            sa.engine.make_url(url).update_query_dict(
                {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False),
            sa.engine.make_url(url).database, schema)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


@contextmanager
def _private_postgres_database(url: str):
    """Behind PgBouncer, a database of our own instead: PgBouncer 1.18 refuses the startup
    parameter ``options`` that carries a schema's search path, or, told to ignore it
    (``ignore_startup_parameters``), drops it without a word. A database name it passes
    on (``.ci/pgbouncer`` passes every name through). Created and dropped through the same
    PgBouncer; FORCE ends the server connections it still keeps to the database."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PrivateDatabase(sa.engine.make_url(url).set(database=name).render_as_string(
            hide_password=False), name, "public")
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


class NotPrivate(RuntimeError):
    """The test process's connections do not land in its own database or schema."""


def assert_private(connection: sa.Connection, private: PrivateDatabase) -> None:
    """Raise unless ``connection`` works in ``private``'s database and schema. A pooler
    that dropped the search path would otherwise let the migrations, and every test, run
    in the shared database's public schema, amid somebody else's tables."""
    if private.database is None:
        return
    found = tuple(connection.execute(
        sa.text("SELECT current_database(), current_schema()")).one())
    if found != (private.database, private.schema):
        raise NotPrivate(
            f"the test database's connections land in database {found[0]!r}, schema "
            f"{found[1]!r}, not in {private.database!r}, {private.schema!r}: the search path "
            "did not take (through PgBouncer, set EVENTHUB_DATABASE_PGBOUNCER=1)")


@pytest.fixture(scope="session")
def private_database(tmp_path_factory):
    if TEST_DATABASE_URL:
        private = _private_postgres_database if behind_pgbouncer() \
            else _private_postgres_schema
        with private(config.normalize_database_url(TEST_DATABASE_URL)) as place:
            yield place
    else:
        yield PrivateDatabase(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")


@pytest.fixture(scope="session")
def database_url(private_database):
    return private_database.url


@pytest.fixture(scope="session")
def app(private_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": private_database.url})
    with app.app_context():
        with db.engine.connect() as connection:  # before the migrations write anything
            assert_private(connection, private_database)
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections so the schema can be dropped


@pytest.fixture()
def db_session(app, monkeypatch):
    """Everything a test does, including commits by views, is rolled back afterwards."""
    with app.app_context():
        # DEFERRED: the test's outer transaction must not hold SQLite's write lock while
        # other connections (threads, subprocesses) work on the same file.
        connection = db.engine.connect().execution_options(sqlite_begin="DEFERRED")
        outer = connection.begin()
        monkeypatch.setitem(db.engines, None, connection)
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session.configure(join_transaction_mode="conditional_savepoint")
            outer.rollback()
            connection.close()
            forget_bookable_events()  # it may hold events the rollback removed
            site.forget()  # and the coordinating centre


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own ``g`` and its
    own database session, which joins the test's transaction through a savepoint. A view
    that forgets to commit therefore loses its changes here too."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture()
def client(app, db_session, monkeypatch):
    monkeypatch.setattr(app, "test_client_class", IsolatedClient)
    return app.test_client()


class Clock:
    """The application's clock (``timeutil.utcnow``) as a test sets it: ``set`` starts it
    at an instant from which it ticks, so that durations measured by the code stay real;
    ``freeze`` stops it at an instant."""

    def __init__(self, real) -> None:
        self._real = real
        self._offset = timedelta(0)  # real time until set
        self._frozen: datetime | None = None

    def __call__(self) -> datetime:
        return self._frozen or self._real() + self._offset

    def set(self, instant: datetime) -> None:
        self._frozen, self._offset = None, timeutil.as_utc(instant) - self._real()

    def freeze(self, instant: datetime) -> None:
        self._frozen = timeutil.as_utc(instant)


@pytest.fixture()
def clock(monkeypatch) -> Clock:
    """Set the time the app sees: ``clock.set(berlin(2027, 1, 4, 9))``. Tests whose dates
    are fixed (a sample export, a change of daylight saving time) set the clock relative
    to them instead of depending on today's date."""
    clock = Clock(timeutil.utcnow)
    monkeypatch.setattr(timeutil, "utcnow", clock)
    return clock


@pytest.fixture()
def make(db_session):
    return factories.Factory(db_session)


@pytest.fixture()
def login(client):
    def _login(user, password: str = factories.PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return _login


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in page"
    return match.group(1)
