"""Gateway tables: users and partner API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from servicekit.db import AwareDateTime, utcnow
from servicekit.domain import Role
from servicekit.tables import AuditEntry  # noqa: F401 - the audit log is in the gateway's database
from sqlalchemy import JSON, Column, Dialect, Integer
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class Roles(TypeDecorator[list[Role]]):
    """A JSON list of role names, stored as ever (`["lawyer"]`); read back as `Role` members."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[Role] | None, dialect: Dialect) -> Any:
        return None if value is None else [Role(r).value for r in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Role] | None:
        return None if value is None else [Role(r) for r in value]


class User(SQLModel, table=True):
    """A person (or the demo admin) who logs in with a password."""

    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=128)
    # a lawyer's practising licence number (律师执业证号, 17 digits): the letter form starts with it
    licence_no: str | None = Field(default=None, max_length=17)
    roles: list[Role] = Field(default_factory=list, sa_column=Column(Roles(), nullable=False))
    password_hash: str = Field(max_length=256)
    active: bool = True
    # raised on every role change, deactivation and logout: tokens carrying an older one die
    token_version: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )


class ApiKey(SQLModel, table=True):
    """A partner system's key; only its SHA-256 is stored."""

    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=128)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    roles: list[Role] = Field(default_factory=list, sa_column=Column(Roles(), nullable=False))
    # what the key may do (servicekit.auth.SCOPES), chosen at creation; carried in its tokens
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=64)
    active: bool = True
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
