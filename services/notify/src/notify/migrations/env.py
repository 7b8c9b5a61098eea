"""Alembic environment of the notify service."""

from notify.adapters import tables  # noqa: F401 - registers the tables
from servicekit.migrations import run_env
from sqlmodel import SQLModel

run_env(SQLModel.metadata)
