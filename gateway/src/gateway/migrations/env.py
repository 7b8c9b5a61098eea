"""Alembic environment of the gateway."""

from gateway.adapters import tables  # noqa: F401 - registers the tables
from servicekit.migrations import run_env
from sqlalchemy import MetaData
from sqlmodel import SQLModel

# The gateway publishes and consumes no events: the kit's outbox and inbox (in the shared
# metadata because servicekit defines them) are not its tables (dropped in 7b3e1f9c2a40).
NOT_OURS = frozenset({"outbox", "inbox"})
target = MetaData()
for table in SQLModel.metadata.tables.values():
    if table.name not in NOT_OURS:
        table.to_metadata(target)

run_env(target)
