"""Alembic per service: a shared env.py body and a programmatic upgrade."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.sql.sqltypes import AutoString

log = logging.getLogger("servicekit.migrations")
# One lock for every migration of one database: replicas starting together, the migrate
# Job and a `migrate` command take turns; whoever comes second finds the schema at head.
MIGRATION_LOCK = "lexseal:migrations"
# Tables the kit creates outside alembic (servicekit.blobs): autogenerate leaves them alone.
_KIT_OWNED_TABLES = {"kit_blobs"}


class SchemaNotReady(RuntimeError):
    """The database's schema is older (or other) than the code needs."""


def alembic_config(*, script_location: Path, database_url: str) -> Config:
    """Return an alembic Config for one service's migrations and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(*, script_location: Path, database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision` (blocking: call it in a thread from async code).

    Runs under the database's migration lock (a PostgreSQL advisory lock, taken in env.py's
    connection; a file lock beside an SQLite file), so concurrent callers never race.
    """
    with _sqlite_file_lock(database_url):
        command.upgrade(
            alembic_config(script_location=script_location, database_url=database_url), revision
        )


@contextmanager
def _sqlite_file_lock(database_url: str) -> Iterator[None]:
    url = make_url(database_url)
    db = url.database if url.get_backend_name() == "sqlite" else None
    if not db or db == ":memory:":
        yield
        return
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{db}.migrate.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _current_and_heads(script_location: Path, database_url: str) -> tuple[set[str], set[str]]:
    heads = set(ScriptDirectory(str(script_location)).get_heads())

    def read(conn: Connection) -> set[str]:
        return set(MigrationContext.configure(conn).get_current_heads())

    async def current() -> set[str]:
        engine = create_async_engine(database_url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await engine.dispose()

    return asyncio.run(current()), heads


def wait_for_schema(*, script_location: Path, database_url: str, timeout: float) -> None:
    """Wait until the database is at the code's migration head; raise SchemaNotReady after
    ``timeout`` seconds (blocking: call it in a thread).

    For replicas that do not migrate themselves (``*_MIGRATE_ON_START=false``): the migrate
    Job or command brings the schema up while they wait.
    """
    deadline = time.monotonic() + timeout
    while True:
        current, heads = _current_and_heads(script_location, database_url)
        if current == heads:
            return
        if time.monotonic() >= deadline:
            have = ", ".join(sorted(current)) or "empty (never migrated)"
            raise SchemaNotReady(
                f"the database schema is at {have}, this code needs {', '.join(sorted(heads))}:"
                " run the service's `migrate` command (or the migrate Job) first"
            )
        log.warning("database schema is behind the code; waiting for the migration")
        time.sleep(2)


def prepare_schema(*, script_location: Path, database_url: str, migrate: bool, wait: float) -> None:
    """Migrate (under the lock) or, when ``migrate`` is false, wait for the schema (blocking)."""
    if migrate:
        upgrade(script_location=script_location, database_url=database_url)
    else:
        wait_for_schema(script_location=script_location, database_url=database_url, timeout=wait)


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "table" and name in _KIT_OWNED_TABLES)


def _do_run(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target_metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Session-level: held across alembic's transaction, released when the
            # connection closes (NullPool closes it at the end of this block).
            await conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": MIGRATION_LOCK})
            await conn.commit()
        await conn.run_sync(_do_run, target_metadata)
    await engine.dispose()


def run_env(target_metadata: MetaData, **_: Any) -> None:
    """Run migrations from a service's migrations/env.py (online, async driver)."""
    url = context.config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, target_metadata))


# --- The kit's own tables, as alembic operations ----------------------------------------
# Every service's database holds the kit's tables (servicekit.tables). Their migrations are
# written here once, and each service's migration calls them: a service's first migration
# `create_kit_tables(op)`, its idempotency migration `create_idempotency_keys(op)`. These are
# frozen history, like any migration: a later change to a kit table is a new function here
# (e.g. `kit_tables_add_x(op)`) called from one new migration in each service.


def create_kit_tables(op: Operations) -> None:
    """Create the kit's audit_log, inbox and outbox tables with their indexes."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", AutoString(length=64), nullable=False),
        sa.Column("actor_name", AutoString(length=128), nullable=False),
        sa.Column("action", AutoString(length=64), nullable=False),
        sa.Column("object_type", AutoString(length=64), nullable=False),
        sa.Column("object_id", AutoString(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("ip", AutoString(length=64), nullable=True),
        sa.Column("user_agent", AutoString(length=512), nullable=True),
        sa.Column("correlation_id", AutoString(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_object", ["object_type", "object_id"], unique=False)
    op.create_table(
        "inbox",
        sa.Column("event_id", AutoString(length=64), nullable=False),
        sa.Column("type", AutoString(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("type", AutoString(length=128), nullable=False),
        sa.Column("subject", AutoString(length=128), nullable=False),
        sa.Column("correlation_id", AutoString(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "created_at"], unique=False)


def drop_kit_tables(op: Operations) -> None:
    """Drop what `create_kit_tables` created."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")
    op.drop_table("outbox")
    op.drop_table("inbox")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_object")
    op.drop_table("audit_log")


def create_idempotency_keys(op: Operations) -> None:
    """Create the table servicekit.idempotency keeps its keys and answers in."""
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", AutoString(length=64), nullable=False),
        sa.Column("key", AutoString(length=255), nullable=False),
        sa.Column("route", AutoString(length=255), nullable=False),
        sa.Column("request_hash", AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key"),
    )


def drop_idempotency_keys(op: Operations) -> None:
    """Drop the idempotency keys."""
    op.drop_table("idempotency_keys")
