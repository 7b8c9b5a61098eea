"""Contract's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from servicekit.db import AwareDateTime, utcnow
from servicekit.domain import Recorder
from servicekit.tables import AuditEntry, InboxMessage, OutboxMessage  # noqa: F401 - same metadata
from sqlalchemy import JSON, Boolean, Column, Enum, Index, Numeric, Text, false
from sqlmodel import Field, SQLModel

from ..domain.status import Status


def _uuid() -> str:
    return str(uuid.uuid4())


def _at() -> Column[datetime]:
    return Column(AwareDateTime(), nullable=False)


def _status(*, nullable: bool = False) -> Column[Status]:
    # VARCHAR(32) holding the value ("draft"), as the migrations made it: read back as a Status
    kind = Enum(
        Status,
        native_enum=False,
        length=32,
        values_callable=lambda statuses: [s.value for s in statuses],
    )
    return Column(kind, nullable=nullable)


# what the audit log keeps of an application before and after a change (no personal identifiers
# live on it: the signers' are masked where a signer change is audited)
AUDITED_FIELDS = (
    "title",
    "contract_type",
    "client_name",
    "amount",
    "case_serial_no",
    "remarks",
    "cross_page_seal",
    "status",
    "round",
    "document_sha256",
)


class Contract(Recorder, SQLModel, table=True):
    """A lawyer's contract application (合同申请) and where it stands.

    It records its audit facts and events (`record_audit`, `record_event`), its signers' and
    document's included; the unit of work writes them when the use case commits.
    """

    audit_type: ClassVar[str] = "contract"

    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_created", "created_at", "id"),
        Index("ix_contracts_owner_created", "owner_id", "created_at", "id"),
        Index("ix_contracts_status_created", "status", "created_at", "id"),
    )

    id: str = Field(default_factory=_uuid, primary_key=True, max_length=36)
    owner_id: str = Field(max_length=64)
    owner_name: str = Field(default="", max_length=128)
    title: str = Field(max_length=200)
    contract_type: str = Field(max_length=64)
    client_name: str = Field(max_length=200)
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 2), nullable=True))
    case_serial_no: str | None = Field(default=None, max_length=64)
    remarks: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # the firm's seal also across every page's right edge (骑缝章) when the firm signs
    cross_page_seal: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    status: Status = Field(default=Status.DRAFT, sa_column=_status())
    round: int = 0
    document_sha256: str | None = Field(default=None, max_length=64)
    document_filename: str | None = Field(default=None, max_length=255)
    review_reasons: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    review_comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reviewer_id: str | None = Field(default=None, max_length=64)
    reviewer_name: str | None = Field(default=None, max_length=128)
    envelope_id: str | None = Field(default=None, max_length=64)
    signed_sha256: str | None = Field(default=None, max_length=64)
    signed_size: int | None = None
    verify_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())

    def audit_snapshot(self) -> dict[str, Any]:
        """Return the application's audited fields."""
        return {name: getattr(self, name) for name in AUDITED_FIELDS}


class Document(SQLModel, table=True):
    """An accepted PDF, stored once by its content hash."""

    __tablename__ = "documents"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    page_count: int
    scan_suspect_pages: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class Signer(SQLModel, table=True):
    """A counterparty signer (签章人); `id` is the stable signer_id other services use."""

    __tablename__ = "signers"
    __table_args__ = (Index("ix_signers_contract", "contract_id", "position"),)

    id: str = Field(default_factory=_uuid, primary_key=True, max_length=36)
    contract_id: str = Field(max_length=36, foreign_key="contracts.id")
    position: int = 0
    kind: str = Field(max_length=16)
    name: str = Field(max_length=200)
    id_number: str = Field(max_length=32)
    mobile: str | None = Field(default=None, max_length=20)
    legal_representative: str | None = Field(default=None, max_length=100)
    operator_name: str | None = Field(default=None, max_length=100)
    operator_mobile: str | None = Field(default=None, max_length=20)
    bank_account_name: str | None = Field(default=None, max_length=200)
    bank_account_number: str | None = Field(default=None, max_length=40)
    bank_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class StatusChange(SQLModel, table=True):
    """One entry of an application's timeline: who moved it from what to what, when."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_contract", "contract_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: str = Field(max_length=36, foreign_key="contracts.id")
    at: datetime = Field(default_factory=utcnow, sa_column=_at())
    actor_id: str = Field(max_length=64)
    actor_name: str = Field(default="", max_length=128)
    action: str = Field(max_length=64)
    from_status: Status | None = Field(default=None, sa_column=_status(nullable=True))
    to_status: Status = Field(sa_column=_status())
    round: int = 0
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
