"""Alembic environment of the signing service."""

from servicekit.migrations import run_env
from signing.adapters import tables  # noqa: F401 - registers the tables
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
