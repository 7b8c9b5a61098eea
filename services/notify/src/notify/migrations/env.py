"""Alembic environment of the notify service."""

from servicekit.migrations import run_env
from sqlmodel import SQLModel

from notify.adapters import tables  # noqa: F401 - registers the tables

run_env(SQLModel.metadata)
