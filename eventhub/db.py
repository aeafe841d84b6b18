"""Declarative base, the UTC datetime column type and shared mixins."""
from __future__ import annotations

import enum
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask import has_app_context
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Enum,
    Insert,
    MetaData,
    Row,
    Select,
    String,
    Table,
    bindparam,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, storing the members' values."""
    return Enum(cls, name=name, native_enum=False, length=20, create_constraint=True,
                values_callable=lambda members: [m.value for m in members])


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that is always stored in UTC.

    PostgreSQL keeps the offset itself (timestamptz); SQLite has no such type, so we store
    naive UTC there and attach UTC again on load. Naive values are refused on the way in,
    because guessing their zone is exactly how times end up shifted by an hour.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _now() -> datetime:
    # Imported lazily to keep timeutil the single owner of "now".
    from eventhub.timeutil import utcnow
    return utcnow()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, onupdate=_now,
                                                 nullable=False)


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options: ``SQLALCHEMY_ENGINE_OPTIONS``, and on PostgreSQL behind
    PgBouncer in transaction mode (``DATABASE_PGBOUNCER``) psycopg without server-side
    prepared statements; on other databases the setting changes nothing.

    Transaction pooling lends a client a server connection for one transaction; the next
    may run on another. psycopg prepares a statement on the server once it has run it five
    times (``prepare_threshold``) and from then on executes it by name, on whatever server
    connection PgBouncer lends: "prepared statement "_pg3_0" does not exist", or "already
    exists" where another client prepared that name there. PgBouncer 1.18 (Debian 12)
    does not follow prepared statements from one server to another (1.21 can). With
    ``prepare_threshold=None`` every statement goes unnamed, which any server can run.

    Everything else eventhub asks of a connection ends with its transaction, which
    transaction pooling keeps on one server: row locks (``for_update``, the claims with
    SKIP LOCKED), the cursors of ``yield_per`` (declared without HOLD) and the pipelines
    of ``registration.pipelined`` (sent inside the transaction, see there). It takes no
    advisory locks and sets no session variables, listens to nothing, makes no temporary
    tables."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if config.get("DATABASE_PGBOUNCER") and url.startswith("postgresql"):
        options["connect_args"] = {**options.get("connect_args", {}),
                                   "prepare_threshold": None}
    return options


def forget_on_change(sessions, models: tuple[type, ...], forget: Callable[[], None]) -> None:
    """Call ``forget`` (which empties a process's store of rows it loaded, in the current
    app) when rows of ``models`` change in a session of ``sessions``: at once when they
    are flushed, so that this process's next request reads them afresh, and again when
    their transaction ends, since another request may have loaded the old rows meanwhile."""
    changed = f"changed:{forget.__module__}.{forget.__qualname__}"

    @event.listens_for(sessions, "after_flush")
    def _flushed(session: Session, flush_context) -> None:
        if any(isinstance(obj, models)
               for obj in (*session.new, *session.dirty, *session.deleted)):
            session.info[changed] = True
            if has_app_context():
                forget()

    @event.listens_for(sessions, "after_commit")
    @event.listens_for(sessions, "after_soft_rollback")
    def _ended(session: Session, *args) -> None:
        if session.info.pop(changed, False) and has_app_context():
            forget()


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record) -> None:
    """Make SQLite behave: foreign keys on, waits instead of 'database is locked', and
    transactions that SQLAlchemy controls (pysqlite's own handling breaks SAVEPOINT).

    Write-ahead logging: a commit appends to one log file instead of creating, syncing and
    deleting a rollback journal, about seven times cheaper here, which matters where every
    sent e-mail's outcome is committed on its own (``mail.delivery``); readers no longer
    wait for a writer either. ``synchronous`` stays FULL, so a commit is as durable as
    before. A property of the database file: set once, kept by every later connection.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases stay "memory"
    cursor.close()
    dbapi_connection.create_function(_FOLDED, 1, _sqlite_fold, deterministic=True)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite takes the write lock at BEGIN IMMEDIATE: transactions that read and then
    write (counting free places, claiming mail) queue up instead of failing with
    'database is locked' when two of them try to upgrade their locks at once."""
    if connection.dialect.name == "sqlite":
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}")


# -- case-insensitive search ----------------------------------------------------------
#
# SQLite's lower() and LIKE know ASCII letters only: "ÖZTÜRK" stays as it is, so searching
# "öztürk" found nobody. Both sides of a search are folded instead: the text searched for
# in Python (``casefold``), the column in SQL (``folded``): on SQLite by Python's casefold,
# registered on every connection; on PostgreSQL by lower(), which knows every alphabet in a
# UTF-8 database (lc_ctype C.UTF-8, de_DE.UTF-8, ...), with ß as ss, as casefold has it.

_FOLDED = "eventhub_casefold"


def casefold(text: str) -> str:
    """``text`` as ``folded`` compares it: "Straße" and "STRASSE" both become "strasse";
    composed and decomposed umlauts (what some keyboards send) alike."""
    return unicodedata.normalize("NFC", text.casefold())


def _sqlite_fold(value):
    # SQLite hands over whatever the column holds; only text has a case.
    return casefold(value) if isinstance(value, str) else value


class folded(GenericFunction):  # noqa: N801  (used like SQL's lower())
    """``folded(column)``: the column as ``casefold`` folds text, for LIKE and equality."""

    type = String()
    name = _FOLDED
    inherit_cache = True


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw) -> str:
    return f"{_FOLDED}({compiler.process(element.clauses, **kw)})"


@compiles(folded)
def _folded_elsewhere(element, compiler, **kw) -> str:
    return f"replace(lower({compiler.process(element.clauses, **kw)}), 'ß', 'ss')"


def contains_folded(column, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, whatever the case, in any alphabet (LIKE, escaped)."""
    return folded(column).contains(casefold(text), autoescape=True)


def for_update(query: Select, session: Session, **options) -> Select:
    """``query`` with row locks (``SELECT … FOR UPDATE``; ``options`` as for
    ``with_for_update``: ``of``, ``key_share``, ``skip_locked``) where the database has
    them. SQLite has none and needs none: its writing transactions run one at a time
    (``BEGIN IMMEDIATE``, above)."""
    if session.get_bind().dialect.name == "sqlite":
        return query
    return query.with_for_update(**options)


def insert_unless_exists(model: type | Table, session: Session,
                         *unique_columns: str) -> Insert:
    """``INSERT … ON CONFLICT (unique_columns) DO NOTHING`` for ``model``: nothing is
    written, and nothing returned, if a row with the same values exists — or is being
    written by a transaction not yet committed, which PostgreSQL waits for. One statement
    where a savepoint around a plain INSERT would take three."""
    dialect_insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" \
        else postgresql_insert
    return dialect_insert(model).on_conflict_do_nothing(index_elements=list(unique_columns))


def insert_rows_unless_exists(session: Session, table: Table, rows: list[dict],
                              unique_columns: tuple[str, ...],
                              returning: tuple[str, ...]) -> list[Row]:
    """``insert_unless_exists`` for many rows in one statement, ``returning`` the given
    columns of the rows written. Every row must have the same keys.

    On PostgreSQL the rows go in as one array per column (``INSERT … SELECT … FROM
    unnest(…)``): the statement's text is the same however many rows there are, so the
    driver parses it once and the server prepares it once, where a VALUES list is a new
    statement, parsed and planned again, for every number of rows. Columns that the rows
    leave out get their Python-side default row by row, as in a VALUES insert."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        statement = insert_unless_exists(table, session, *unique_columns).returning(
            *(table.c[name] for name in returning))
        return session.execute(statement, rows).all()
    rows = with_defaults(table, rows)
    columns = tuple(rows[0])
    statement = _unnest_insert(table, columns, unique_columns, returning)
    return session.execute(statement, {f"rows_{name}": [row[name] for row in rows]
                                       for name in columns}).all()


def with_defaults(table: Table, rows: list[dict]) -> list[dict]:
    """The rows with the Python-side defaults (``default=``) of the columns they leave
    out, row by row, as an INSERT through SQLAlchemy would give them. Every row must have
    the same keys."""
    defaults = [(column.name, column.default) for column in table.columns
                if rows and column.name not in rows[0] and column.default is not None
                and (column.default.is_scalar or column.default.is_callable)]
    if not defaults:
        return rows
    return [{**row, **{name: default.arg(None) if default.is_callable else default.arg
                       for name, default in defaults}} for row in rows]


@lru_cache(maxsize=16)
def _unnest_insert(table: Table, columns: tuple[str, ...], unique_columns: tuple[str, ...],
                   returning: tuple[str, ...]) -> Insert:
    arrays = func.unnest(*(bindparam(f"rows_{name}", type_=ARRAY(table.c[name].type))
                           for name in columns)).table_valued(*columns).render_derived()
    return (postgresql_insert(table)
            .from_select(columns, select(*(arrays.c[name] for name in columns)),
                         include_defaults=False)
            .on_conflict_do_nothing(index_elements=list(unique_columns))
            .returning(*(table.c[name] for name in returning)))
