"""Letters' tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from servicekit.db import AwareDateTime, utcnow
from servicekit.domain import Recorder
from servicekit.tables import AuditEntry, InboxMessage, OutboxMessage  # noqa: F401 - same metadata
from sqlalchemy import Column, Date, Enum, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..domain.letters import Delivery, Kind, Status

# What a mailing address is; a letter keeps a copy of these when it is mailed.
ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "street")


def _id() -> str:
    return str(uuid.uuid4())


def _ts(*, nullable: bool = False) -> Column[datetime]:
    return Column(AwareDateTime(), nullable=nullable)


def _enum(cls: type[StrEnum], *, length: int, nullable: bool = False) -> Column[Any]:
    # VARCHAR holding the value ("draft"), as the migrations made it: read back as the enum
    kind = Enum(
        cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )
    return Column(kind, nullable=nullable)


class Letter(Recorder, SQLModel, table=True):
    """One letter application, electronic or paper, from draft to delivery.

    It records its audit facts and events (`record_audit`, `record_event`); the unit of work
    writes them when the use case commits.
    """

    audit_type: ClassVar[str] = "letter"

    __tablename__ = "letters"
    __table_args__ = (
        Index("ix_letters_owner_created", "owner_id", "created_at", "id"),
        Index("ix_letters_status_created", "status", "created_at"),
    )

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    kind: Kind = Field(sa_column=_enum(Kind, length=16))
    status: Status = Field(default=Status.DRAFT, sa_column=_enum(Status, length=24))
    owner_id: str = Field(max_length=64)
    owner_name: str = Field(default="", max_length=128)
    case_serial_no: str = Field(max_length=64)
    cause_of_action: str = Field(max_length=200)
    letter_type: str = Field(max_length=16)
    recipient_org: str = Field(max_length=200)
    letter_date: date = Field(sa_column=Column(Date, nullable=False))
    past_date_allowed: bool = Field(default=False)
    # content (the second-level detail page)
    client_name: str = Field(default="", max_length=200)
    matter: str = Field(default="", max_length=500)
    lawyers_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    # paper delivery; the mail recipient is always the applicant, the address a snapshot
    delivery: Delivery | None = Field(
        default=None, sa_column=_enum(Delivery, length=16, nullable=True)
    )
    mail_recipient_id: str | None = Field(default=None, max_length=64)
    mail_recipient_name: str | None = Field(default=None, max_length=128)
    mail_address_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    courier: str | None = Field(default=None, max_length=64)
    tracking_no: str | None = Field(default=None, max_length=64)
    # decision
    number: str | None = Field(default=None, max_length=128, unique=True)
    number_year: int | None = None
    number_seq: int | None = None
    approver_id: str | None = Field(default=None, max_length=64)
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    document_sha256: str | None = Field(default=None, max_length=64)
    # counted once, when the approved PDF is rendered and when the sealed PDF arrives
    page_count: int | None = None
    sealed_sha256: str | None = Field(default=None, max_length=64)
    sealed_page_count: int | None = None
    verify_code: str | None = Field(default=None, max_length=128)
    verify_url: str | None = Field(default=None, max_length=500)
    seal_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    submitted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))

    def audit_snapshot(self) -> dict[str, Any]:
        """Return the letter's fields (dates as ISO text) as the audit log keeps them."""
        data = self.model_dump(exclude={"created_at", "updated_at"})
        return {
            k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in data.items()
        }


class NumberCounter(SQLModel, table=True):
    """The last letter number issued per (year, letter type); its row lock keeps numbers gapless."""

    __tablename__ = "letter_number_counters"

    year: int = Field(primary_key=True)
    type_code: str = Field(primary_key=True, max_length=16)
    last_seq: int = Field(default=0)


class StoredDocument(SQLModel, table=True):
    """A PDF this service renders or receives, addressed by its sha256 (shared by replicas).

    Its bytes are in the service's blob store (``documents/<sha256>.pdf``, see
    servicekit.blobs); ``content`` holds them only for rows written before that (NULL since).
    """

    __tablename__ = "letter_documents"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Address(Recorder, SQLModel, table=True):
    """An entry of a lawyer's mailing address book; exactly one is the default.

    It records its audit facts; the unit of work writes them when the use case commits.
    """

    audit_type: ClassVar[str] = "address"

    __tablename__ = "letter_addresses"
    __table_args__ = (
        Index("ix_letter_addresses_owner", "owner_id", "created_at"),
        # At most one default per lawyer, even under concurrent edits.
        Index(
            "uq_letter_addresses_default",
            "owner_id",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
    )

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    owner_id: str = Field(max_length=64)
    name: str = Field(max_length=64)
    phone: str = Field(max_length=32)
    province: str = Field(max_length=32)
    city: str = Field(max_length=32)
    district: str = Field(max_length=32)
    street: str = Field(max_length=200)
    is_default: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())

    def audit_snapshot(self) -> dict[str, Any]:
        """Return the address as the audit log keeps it: its fields and whether it is default."""
        return {**{f: str(getattr(self, f)) for f in ADDRESS_FIELDS}, "is_default": self.is_default}


class Share(SQLModel, table=True):
    """A share link for a sealed letter; only the token's sha256 is kept."""

    __tablename__ = "letter_shares"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_letter_shares_token"),)

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    letter_id: str = Field(foreign_key="letters.id", index=True, max_length=36)
    token_hash: str = Field(max_length=64)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ShareOpen(SQLModel, table=True):
    """One opening of a share link: when, from where, with what browser."""

    __tablename__ = "letter_share_opens"
    __table_args__ = (Index("ix_letter_share_opens_share", "share_id", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    share_id: str = Field(foreign_key="letter_shares.id", max_length=36)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    what: str = Field(default="page", max_length=16)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
