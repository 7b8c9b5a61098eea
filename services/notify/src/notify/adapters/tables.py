"""Notify's tables."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, ClassVar

from servicekit.db import AwareDateTime, utcnow
from servicekit.domain import Recorder
from servicekit.tables import AuditEntry, InboxMessage, OutboxMessage  # noqa: F401 - same metadata
from sqlalchemy import Column, Index, Text
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
    title: str = Field(max_length=200)  # Chinese, the default
    body: str = Field(sa_column=Column(Text, nullable=False))
    # English, for a reader who chose it; rows written before it existed have none (Chinese)
    title_en: str | None = Field(default=None, max_length=200)
    body_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    event_id: str = Field(max_length=64)

    def text(self, lang: str) -> tuple[str, str]:
        """Return (title, body) in `lang` ("zh" or "en"); Chinese when no English was written."""
        if lang == "en" and self.title_en and self.body_en:
            return self.title_en, self.body_en
        return self.title, self.body

    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class ContactPoint(Recorder, SQLModel, table=True):
    """Where a user wants e-mail / SMS copies of their notifications, and the roles they hold."""

    audit_type: ClassVar[str] = "contact_point"

    __tablename__ = "contact_points"

    user_id: str = Field(primary_key=True, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=32)
    # "|risk_control|admin|": role messages reach every contact holding the role
    roles: str = Field(default="||", max_length=200)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )

    def audit_id(self) -> str:
        """Return the user the contact point belongs to."""
        return self.user_id

    def audit_snapshot(self) -> dict[str, Any]:
        """Return where copies go and the roles that route them."""
        return {"email": self.email, "mobile": self.mobile, "roles": self.roles}


class OutgoingMessage(SQLModel, table=True):
    """An e-mail or SMS to send, written with the event that caused it; the sender picks it up."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (Index("ix_outgoing_due", "state", "next_attempt_at"),)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    channel: str = Field(max_length=8)
    provider: str | None = Field(default=None, max_length=16)
    recipient_user_id: str = Field(max_length=64)
    address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    event_id: str = Field(max_length=64)
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class WebhookSubscription(Recorder, SQLModel, table=True):
    """A partner endpoint that wants the events matching its patterns, signed with its secret."""

    audit_type: ClassVar[str] = "webhook_subscription"

    __tablename__ = "webhook_subscriptions"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    owner_id: str = Field(max_length=64, index=True)
    url: str = Field(max_length=2000)
    event_types: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of patterns
    secret: str = Field(max_length=200)
    # after a rotation the old secret also signs until `previous_secret_until` (overlap)
    previous_secret: str | None = Field(default=None, max_length=200)
    previous_secret_until: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    description: str = Field(default="", max_length=300)
    active: bool = True
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    # set when a delivery ran out of retries (the owner was told); cleared by the next success
    failing_since: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))

    def audit_snapshot(self) -> dict[str, Any]:
        """Return what the audit log keeps of a subscription: never the secret (people who read
        the log must not be able to sign as the partner)."""
        return {
            "url": self.url,
            "event_types": json.loads(self.event_types),
            "active": self.active,
            "description": self.description,
        }


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one subscription: written with the event, retried until it lands."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_sub", "subscription_id", "created_at"),
    )

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    subscription_id: str = Field(max_length=36)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=128)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    delivered_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class WebhookAttempt(SQLModel, table=True):
    """One try at a delivery: when, what the endpoint answered, how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=36)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int = 0


class PartnerBusMessage(SQLModel, table=True):
    """An event for the partner bus, masked as partners see it: written with the event,
    published to the partner exchange afterwards, then deleted (an outbox of its own)."""

    __tablename__ = "partner_bus_outbox"
    __table_args__ = (Index("ix_partner_bus_created", "created_at"),)

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=128)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
