"""``eventhub.db``: the SQLite connection settings every connection of the app gets, and
the insert of many rows unless they exist."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from eventhub.db import insert_rows_unless_exists
from eventhub.extensions import db
from eventhub.registration.models import OrganizationSize, Registration, RegistrationStatus


def test_sqlite_connections_use_foreign_keys_and_write_ahead_logging(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite settings; PostgreSQL needs none")
        with db.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL: commits stay durable
            assert pragma("PRAGMA busy_timeout").scalar() == 30000


def test_an_in_memory_database_works_without_a_log_file():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def _rows(event_id: int, *emails: str) -> list[dict]:
    return [{"event_id": event_id, "email": email, "status": RegistrationStatus.PENDING,
             "organization_size": OrganizationSize.MICRO, "region_code": "DE-SN",
             "consented_at": datetime(2026, 11, 21, 9, 30, tzinfo=UTC)} for email in emails]


def test_insert_rows_unless_exists_writes_new_rows_and_returns_them(db_session, make):
    event = make.event()
    table = Registration.__table__
    first = insert_rows_unless_exists(db_session, table, _rows(event.id, "a@x.de"),
                                      ("event_id", "email"), returning=("email", "id"))
    written = insert_rows_unless_exists(
        db_session, table, _rows(event.id, "b@x.de", "a@x.de", "c@x.de", "b@x.de"),
        ("event_id", "email"), returning=("email", "id"))
    # a@x.de had a row already, and b@x.de is written once: left out without an error
    assert sorted(email for email, _ in written) == ["b@x.de", "c@x.de"]
    stored = {r.email: r for r in db_session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id))}
    assert {email: stored[email].id for email, _ in [*first, *written]} \
        == dict([*first, *written])
    # what the rows leave out gets its default row by row, as in a VALUES insert
    assert len({r.token_key for r in stored.values()}) == 3
    assert all(r.language == "de" and r.created_at is not None for r in stored.values())
    assert stored["c@x.de"].status is RegistrationStatus.PENDING
    assert stored["c@x.de"].consented_at == datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    assert insert_rows_unless_exists(db_session, table, [], ("event_id", "email"),
                                     returning=("id",)) == []


def test_insert_rows_unless_exists_sends_one_statement_text_for_any_number_of_rows(
        db_session, make):
    """On PostgreSQL the driver parses the text once and the server prepares it once."""
    if db_session.get_bind().dialect.name == "sqlite":
        pytest.skip("SQLite gets a VALUES list")
    event = make.event()
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db_session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for count in (1, 3, 7):
            emails = [f"{count}-{n}@x.de" for n in range(count)]
            insert_rows_unless_exists(db_session, Registration.__table__,
                                      _rows(event.id, *emails), ("event_id", "email"),
                                      returning=("id",))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    inserts = [s for s in statements if s.startswith("INSERT INTO registrations")]
    assert len(inserts) == 3 and len(set(inserts)) == 1
