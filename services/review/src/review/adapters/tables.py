"""Review's tables."""

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


class ReviewRound(Recorder, SQLModel, table=True):
    """One submission of a contract application and the reviewer's decision on it.

    It records its audit facts and events (`record_audit`, `record_event`); the unit of work
    writes them when the use case commits.
    """

    audit_type: ClassVar[str] = "review_round"

    __tablename__ = "review_rounds"
    __table_args__ = (
        Index("ix_review_rounds_contract", "contract_id", "round"),
        Index("ix_review_rounds_queue", "state", "queued_at"),
    )

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    contract_id: str = Field(max_length=64)
    round: int
    owner_id: str = Field(max_length=64)
    owner_name: str = Field(default="", max_length=128)
    title: str = Field(max_length=300)
    state: str = Field(max_length=16)
    # the contract.submitted payload as received: document ref, signers, scan warning
    submission: str = Field(sa_column=Column(Text, nullable=False))
    event_id: str = Field(max_length=64)
    queued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False)
    )
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_by_name: str | None = Field(default=None, max_length=128)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    decided_by: str | None = Field(default=None, max_length=64)
    decided_by_name: str | None = Field(default=None, max_length=128)
    closed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    reasons: str | None = Field(default=None, sa_column=Column(Text))
    confirmations: str | None = Field(default=None, sa_column=Column(Text))
    comment: str | None = Field(default=None, sa_column=Column(Text))
    close_reason: str | None = Field(default=None, max_length=300)

    def audit_snapshot(self) -> dict[str, Any]:
        """Return the audit-relevant fields of the round."""
        return {
            "state": self.state,
            "round": self.round,
            "claimed_by": self.claimed_by,
            "decided_by": self.decided_by,
            "reasons": json.loads(self.reasons) if self.reasons else [],
            "comment": self.comment,
            "close_reason": self.close_reason,
        }
