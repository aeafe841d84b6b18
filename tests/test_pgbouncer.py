"""Where the tests' connections go, and what they are like behind PgBouncer (issue 26).

Every PostgreSQL run must work in the test process's own schema or database; behind
PgBouncer in transaction mode (EVENTHUB_DATABASE_PGBOUNCER=1, as .ci/run runs the
concurrency tests) the run must really go through PgBouncer, in transaction mode, and
psycopg must prepare nothing on the server.
"""
from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from eventhub.extensions import db
from tests.conftest import TEST_DATABASE_URL, NotPrivate, assert_private, behind_pgbouncer

pytestmark = [pytest.mark.concurrency,
              pytest.mark.skipif(not TEST_DATABASE_URL,
                                 reason="needs PostgreSQL (EVENTHUB_TEST_DATABASE_URL)")]
only_behind_pgbouncer = pytest.mark.skipif(
    not behind_pgbouncer(), reason="only through PgBouncer (EVENTHUB_DATABASE_PGBOUNCER=1)")

REPEATS = 10  # psycopg prepares a statement after 5 runs by default


def test_the_tests_run_in_their_own_schema_or_database(app, private_database):
    with app.app_context(), db.engine.connect() as connection:
        assert_private(connection, private_database)
        found = connection.execute(
            sa.text("SELECT current_database(), current_schema()")).one()
        tables = connection.scalar(sa.text(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = 'registrations'"))
    assert tuple(found) == (private_database.database, private_database.schema)
    assert tables == 1  # the migrations ran there


def test_connections_that_lost_the_search_path_fail_loudly(private_database):
    """What a pooler that drops the search path (or the private database) would hand out:
    a connection to the shared database as given. ``assert_private``, which the ``app``
    fixture runs before the migrations, refuses it."""
    from config import normalize_database_url
    shared = sa.create_engine(normalize_database_url(TEST_DATABASE_URL),
                              connect_args={"prepare_threshold": None})
    try:
        with shared.connect() as connection, pytest.raises(NotPrivate, match="did not take"):
            assert_private(connection, private_database)
    finally:
        shared.dispose()


def _prepared_after_repeats(connection: sa.Connection) -> int:
    """Run one statement REPEATS times in the connection's transaction; the statements
    then prepared on its server connection."""
    for n in range(REPEATS):
        connection.execute(sa.text("SELECT count(*) FROM events WHERE id = :id"), {"id": n})
    return connection.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))


def test_psycopg_prepares_a_repeated_statement_by_default(private_database):
    """Without the setting psycopg prepares: what the next test counts would be seen."""
    engine = sa.create_engine(private_database.url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            assert connection.connection.driver_connection.prepare_threshold == 5
            assert _prepared_after_repeats(connection) >= 1
            # The server connection goes back to PgBouncer's pool clean.
            connection.exec_driver_sql("DEALLOCATE ALL")
    finally:
        engine.dispose()


@only_behind_pgbouncer
def test_through_pgbouncer_psycopg_prepares_nothing(app):
    with app.app_context(), db.engine.begin() as connection:
        assert connection.connection.driver_connection.prepare_threshold is None
        assert _prepared_after_repeats(connection) == 0


@only_behind_pgbouncer
def test_the_run_goes_through_pgbouncer_in_transaction_mode(app, private_database):
    url = sa.engine.make_url(private_database.url)
    with app.app_context(), db.engine.connect() as connection:
        client_port = connection.connection.driver_connection.info.port
        server_port = connection.scalar(sa.text("SELECT inet_server_port()"))
        # PgBouncer's console, on the port the tests connect to.
        console = url.set(drivername="postgresql", database="pgbouncer")
        with psycopg.connect(console.render_as_string(hide_password=False),
                             autocommit=True, cursor_factory=psycopg.ClientCursor) as admin:
            cursor = admin.execute("SHOW POOLS")
            columns = [column.name for column in cursor.description]
            pools = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    assert client_port == url.port != server_port  # something stands between
    ours = [pool for pool in pools if pool["database"] == private_database.database]
    assert [pool["pool_mode"] for pool in ours] == ["transaction"], pools
