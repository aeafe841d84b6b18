"""A turn on an event's lock in two round trips, on PostgreSQL (psycopg's pipeline mode):
the fast path's second half, the database side of ``services._register_new``.

Taken only for the public form on PostgreSQL through psycopg (``available``), and only
when every applicant of the group is new; otherwise, and always on SQLite,
``services.register_all`` goes the general way, in the same transaction (see the
conditions there). The rules are not here but in ``rules`` and ``places``, shared by both.

The public form's registrations take turns on their event's row lock
(``places.lock_event``), a group at a time (``intake``). Whatever the turn waits for
while it holds the lock, every other group waits for too; and each round trip to the
database is also a wait for the worker's GIL, which the process's other threads take
meanwhile to read their forms. The general way (``services.register_all``) sends one
statement after another: the lock with the event, the count, the registrations, their
answers, their e-mails. Here the same turn is two round trips, each a batch of
statements sent at once:

1. ``read_turn``: draw the new rows' ids, lock the event, read its questions, count its
   places and look up which of the addresses have a registration already;
2. ``write_turn``: the registrations, their answers and e-mails as rows.

In between, ``services`` applies the rules (``rules``, ``places.Places``) to what the
first batch read, in Python, as the general way does. Only the database work lives here:
plain SQL on the driver's connection, in the session's transaction (the session's COMMIT
ends the turn), because the ORM session cannot send statements in a pipeline.

Each statement in a batch gets its own snapshot (READ COMMITTED), taken after the ones
before it have run: the count, sent after the lock, sees every registration committed by
the turn before.

Behind PgBouncer in transaction mode (``DATABASE_PGBOUNCER``) the pipelines stay: both
batches are sent inside the session's transaction, so every Sync in them is answered with
a ReadyForQuery that says "in transaction" (or "failed"), and PgBouncer lends the server
connection to another client only at one that says "idle", after the COMMIT or ROLLBACK;
it has counted the ReadyForQuery answers it still expects since 1.7, so a Sync sent ahead
does not release the server early either. The statements go unnamed (no prepared
statements there, ``eventhub.db.engine_options``), as outside a pipeline.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Table
from sqlalchemy.orm import Session

from eventhub.db import with_defaults
from eventhub.events.models import EventStatus
from eventhub.registration.models import HOLDS_PLACE, QuestionKind
from eventhub.registration.models import RegistrationStatus as S


def available(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (through psycopg 3)."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg"


class QuestionRow(NamedTuple):
    """What the rules need of a question (as ``rules._answers`` reads it)."""
    id: int
    kind: QuestionKind
    required: bool
    options: list[str]


@dataclass(frozen=True)
class EventRow:
    """What the rules need of the locked event (``rules.closed_reason``, the places)."""
    id: int
    status: EventStatus
    ends_at: datetime
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    capacity: int | None
    double_opt_in: bool
    questions: tuple[QuestionRow, ...]


@dataclass(frozen=True)
class Turn:
    """What the first batch read, the event's lock held from then on."""
    event: EventRow | None  # None: there is no such event
    held: int  # places held: pending and confirmed
    overdue: bool  # some pending place is past its deadline
    last_number: int  # the highest waiting-list number drawn so far, 0 if none
    known: frozenset[str]  # the addresses given that have a registration for the event
    ids: tuple[int, ...]  # fresh registration ids, one per address given


_IDS = "SELECT nextval(pg_get_serial_sequence('registrations', 'id')) " \
       "FROM generate_series(1, %(count)s)"
# FOR NO KEY UPDATE, as places.lock_event explains.
_EVENT = ("SELECT id, status, ends_at, registration_opens_at, registration_closes_at, "
          "capacity, double_opt_in FROM events WHERE id = %(event_id)s FOR NO KEY UPDATE")
_QUESTIONS = ("SELECT id, kind, required, options FROM questions "
              "WHERE event_id = %(event_id)s ORDER BY position, id")
_HOLDS_PLACE = ", ".join(f"'{status.value}'" for status in HOLDS_PLACE)
# As places._tally: each part matches its index fully.
_TALLY = (
    "SELECT (SELECT count(*) FROM registrations WHERE event_id = %(event_id)s "
    f"AND status IN ({_HOLDS_PLACE})), "
    "EXISTS (SELECT 1 FROM registrations WHERE event_id = %(event_id)s "
    f"AND status = '{S.PENDING.value}' AND pending_expires_at <= %(now)s), "
    "COALESCE((SELECT waitlist_number FROM registrations WHERE event_id = %(event_id)s "
    "AND waitlist_number IS NOT NULL ORDER BY waitlist_number DESC LIMIT 1), 0)")
_KNOWN = "SELECT email FROM registrations WHERE event_id = %(event_id)s " \
         "AND email = ANY(%(emails)s)"


def read_turn(session: Session, event_id: int, emails: list[str], now: datetime) -> Turn:
    """Lock the event (until the transaction ends) and read what a turn needs, in one
    round trip."""
    connection = _driver_connection(session)
    given = {"event_id": event_id, "now": now, "emails": emails, "count": len(emails)}
    with connection.pipeline():
        ids, event, questions, tally, known = [
            connection.execute(statement, given)
            for statement in (_IDS, _EVENT, _QUESTIONS, _TALLY, _KNOWN)]
    row = event.fetchone()
    if row is not None:
        id_, status, *times_and_places = row
        row = EventRow(id_, EventStatus(status), *times_and_places, questions=tuple(
            QuestionRow(question_id, QuestionKind(kind), required, options)
            for question_id, kind, required, options in questions))
    held, overdue, last_number = tally.fetchone()
    return Turn(
        event=row,
        held=held, overdue=overdue, last_number=last_number,
        known=frozenset(email for (email,) in known), ids=tuple(i for (i,) in ids))


def write_turn(session: Session, *rows: tuple[Table, list[dict[str, Any]]]) -> None:
    """INSERT the rows, a list per table, in one round trip; columns they leave out get
    their Python-side defaults. Every row of a table must have the same keys.

    Plain INSERTs, without ``ON CONFLICT``: the caller holds the event's lock, under which
    every registration of the event is written, and has looked up the addresses that
    have one already (``Turn.known``)."""
    connection = _driver_connection(session)
    with connection.pipeline(), connection.cursor() as cursor:
        for table, of_table in rows:
            if of_table:
                of_table = with_defaults(table, of_table)
                cursor.executemany(_insert(table, tuple(of_table[0])),
                                   [_plain(row) for row in of_table])


def _driver_connection(session: Session):
    """psycopg's connection under the session's, in the session's transaction; anything
    the session holds unwritten is written first, as its own queries would."""
    session.flush()
    return session.connection().connection.driver_connection


@lru_cache(maxsize=8)
def _insert(table: Table, columns: tuple[str, ...]) -> str:
    for name in columns:
        table.c[name]  # noqa: B018  (a KeyError for a column the table has not)
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'%({name})s' for name in columns)})")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Enum members as the values the columns store."""
    return {name: value.value if isinstance(value, enum.Enum) else value
            for name, value in row.items()}
