"""What the migrations in migrations/versions share.

SQLite changes a column by rebuilding the table (Alembic's batch mode): a copy, DROP TABLE,
a rename. With foreign keys on (eventhub turns them on for every connection), that DROP
acts on the rows that point at the table: ON DELETE SET NULL empties their column, ON DELETE
CASCADE deletes them (rebuilding outbox_messages would delete every calendar invitation).
SQLite's own recipe is to switch foreign keys off around the rebuild and check them after;
the switch works only outside a transaction."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def sqlite_rebuild() -> Iterator[None]:
    """Rebuild tables inside this block without firing foreign-key actions on SQLite.

    The migration's transaction is committed first (it holds the revisions before this one,
    complete); the block gets a transaction of its own, and Alembic a new one afterwards for
    its version update. Elsewhere the block simply runs."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    else:
        bind.exec_driver_sql("COMMIT")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
