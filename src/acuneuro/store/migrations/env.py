"""Alembic environment: runs over the engine handed in by ``store._migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from acuneuro.store import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through acuneuro.store.upgrade(), which supplies the engine")

def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Switch SQLite's foreign keys, outside any transaction (inside one it is a no-op).

    A batch migration rebuilds a table by copying it and dropping the old one; dropping a
    parent table that child rows reference fails while foreign keys are enforced, so they are
    off during the migration and every reference is checked after it (Alembic, "Batch
    migrations for SQLite": "Dealing with referencing tables"; SQLite "ALTER TABLE" section 7).
    """
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("no SQLite connection to migrate over")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
