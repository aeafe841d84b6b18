"""SQLite connection settings (``eventhub.db``): what every connection of the app gets."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventhub.extensions import db


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
