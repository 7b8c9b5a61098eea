"""Notify's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from servicekit.db import utcnow
from servicekit.tables import AuditEntry, InboxMessage, OutboxMessage  # noqa: F401 - same metadata
from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


class Notification(SQLModel, table=True):
    """An in-app message for one user, or for everyone holding a role."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user", "recipient_user_id", "created_at"),
        Index("ix_notifications_role", "recipient_role", "created_at"),
    )

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    recipient_user_id: str | None = Field(default=None, max_length=64)
    recipient_role: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=64)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    event_id: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
