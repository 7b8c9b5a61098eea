"""Tables every service has: outbox, inbox (applied event ids), audit log, idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from .db import AwareDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """An event committed with the state change that caused it, waiting to be published."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "created_at"),)

    id: str = Field(primary_key=True, max_length=64)
    type: str = Field(max_length=128)
    subject: str = Field(max_length=128)
    correlation_id: str = Field(default="", max_length=128)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    published_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True)
    )
    # the W3C trace context of the request that wrote it (JSON), published as AMQP headers
    trace_context: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OutboxRow(NamedTuple):
    """What the relay needs of a committed outbox row to publish it."""

    id: str
    type: str
    payload: str
    correlation_id: str
    created_at: datetime
    trace_context: str | None = None


class InboxMessage(SQLModel, table=True):
    """An event this service has applied; its id makes redelivery a no-op."""

    __tablename__ = "inbox"

    event_id: str = Field(primary_key=True, max_length=64)
    type: str = Field(max_length=128)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )


class AuditEntry(SQLModel, table=True):
    """Who did what to which object, when, from where; before/after where it matters."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))
    actor_id: str = Field(default="", max_length=64)
    actor_name: str = Field(default="", max_length=128)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=64)
    object_id: str = Field(max_length=64)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
    correlation_id: str = Field(default="", max_length=128)


class IdempotencyRecord(SQLModel, table=True):
    """A request made with an Idempotency-Key, and the answer a retry of it gets again."""

    __tablename__ = "idempotency_keys"

    principal: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    route: str = Field(max_length=255)  # "POST /api/contract/contracts"
    request_hash: str = Field(max_length=64)
    # NULL only inside the transaction that claimed the key: it commits with the answer
    status_code: int | None = Field(default=None)
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )


# The Core tables behind the models, for the kit's hot paths (relay, unit of work), which
# write and read them with Core statements rather than through the ORM.
OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
INBOX = InboxMessage.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
IDEMPOTENCY = IdempotencyRecord.__table__  # type: ignore[attr-defined]
