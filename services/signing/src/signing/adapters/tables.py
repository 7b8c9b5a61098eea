"""Signing's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from servicekit.db import AwareDateTime, utcnow
from servicekit.domain import Recorder
from servicekit.tables import AuditEntry, InboxMessage, OutboxMessage  # noqa: F401 - same metadata
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Enum,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from ..domain.states import ChallengeStatus, EnvelopeStatus, FaceStatus, SignerStatus


def _id() -> str:
    return str(uuid.uuid4())


def _status(kind: type[StrEnum]) -> Column:  # type: ignore[type-arg]
    # VARCHAR(16) holding the value ("prepared"), as the migrations made it: read back as a member
    return Column(
        Enum(kind, native_enum=False, length=16, values_callable=lambda ms: [m.value for m in ms]),
        nullable=False,
    )


def _ts(nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(AwareDateTime(), nullable=nullable)


class Envelope(Recorder, SQLModel, table=True):
    """One document on its way to every signature: counterparties first, the firm last.

    It records the audit facts (object type "envelope") and events of its changes; the unit
    of work writes them at commit."""

    audit_type: ClassVar[str] = "envelope"

    __tablename__ = "envelopes"
    __table_args__ = (
        Index("ix_envelopes_contract", "contract_id"),
        Index("ix_envelopes_status", "status", "expires_at"),
    )

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    kind: str = Field(default="contract", max_length=16)  # contract | letter
    contract_id: str = Field(max_length=64)  # the letter id for letters
    owner_id: str = Field(max_length=64)
    title: str = Field(default="", max_length=300)
    status: EnvelopeStatus = Field(sa_column=_status(EnvelopeStatus))
    verify_code: str = Field(max_length=64, unique=True)
    original_sha256: str = Field(max_length=64)
    current_sha256: str = Field(max_length=64)
    version: int = 0
    expires_at: datetime = Field(sa_column=_ts(False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    completed_at: datetime | None = Field(default=None, sa_column=_ts())
    ended_reason: str | None = Field(default=None, max_length=500)
    # PageGeometry.to_json() per page, taken when the QR is stamped (signatures never move
    # pages); None, or rows without "crop"/"qr", for envelopes stamped before it was kept in
    # full: their pages are read from the document, QR where the earlier rule put it.
    pages: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    # the firm's signature also cuts its seal across every page's right edge (骑缝章)
    cross_page_seal: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class EnvelopeSigner(SQLModel, table=True):
    """A signer of an envelope, as the lawyer entered them, and how far they are."""

    __tablename__ = "envelope_signers"
    __table_args__ = (UniqueConstraint("envelope_id", "signer_id"),)

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    envelope_id: str = Field(foreign_key="envelopes.id", max_length=36, index=True)
    signer_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # individual | enterprise | firm
    position: int
    name: str = Field(max_length=200)
    id_number: str = Field(default="", max_length=32)
    legal_representative: str | None = Field(default=None, max_length=100)
    bank_account_number: str | None = Field(default=None, max_length=64)
    # the mobile the lawyer entered (the individual's, or the enterprise operator's): the
    # three-element check compares against it and the signing-intent code goes to it
    mobile: str | None = Field(default=None, max_length=20)
    status: SignerStatus = Field(default=SignerStatus.PENDING, sa_column=_status(SignerStatus))
    method: str | None = Field(default=None, max_length=16)  # face | micro_deposit | firm_key
    sandbox: bool = False
    verified_at: datetime | None = Field(default=None, sa_column=_ts())
    signed_at: datetime | None = Field(default=None, sa_column=_ts())
    signed_by: str | None = Field(default=None, max_length=64)
    signature_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    certificate_pem: str | None = Field(default=None, sa_column=Column(Text))
    private_key_pem: str | None = Field(default=None, sa_column=Column(Text))  # encrypted PKCS#8


class Invitation(SQLModel, table=True):
    """A signer's link: only the sha256 of its token is kept."""

    __tablename__ = "invitations"

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    envelope_id: str = Field(foreign_key="envelopes.id", max_length=36, index=True)
    signer_row_id: str = Field(foreign_key="envelope_signers.id", max_length=36, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=64)
    # the sending lawyer's name, shown on the signer's landing page
    created_by_name: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    voided_at: datetime | None = Field(default=None, sa_column=_ts())
    # reminders re-send the notice of this same link (never a new token)
    reminders: int = 0
    last_reminded_at: datetime | None = Field(default=None, sa_column=_ts())


class DepositChallenge(SQLModel, table=True):
    """A random amount sent to an enterprise's account, to be entered back."""

    __tablename__ = "deposit_challenges"
    __table_args__ = (Index("ix_deposits_code_day", "credit_code", "day"),)

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    signer_row_id: str = Field(foreign_key="envelope_signers.id", max_length=36, index=True)
    credit_code: str = Field(max_length=18)
    day: str = Field(max_length=10)  # Asia/Shanghai calendar day
    amount_fen: int
    status: ChallengeStatus = Field(
        default=ChallengeStatus.OPEN, sa_column=_status(ChallengeStatus)
    )
    attempts: int = 0
    provider_ref: str | None = Field(default=None, max_length=128)
    sandbox: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))


class IntentChallenge(SQLModel, table=True):
    """A one-time SMS code that confirms the signer's intent to sign (意愿认证)."""

    __tablename__ = "intent_challenges"
    __table_args__ = (Index("ix_intent_signer_created", "signer_row_id", "created_at"),)

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    signer_row_id: str = Field(foreign_key="envelope_signers.id", max_length=36)
    code_hash: str = Field(max_length=64)  # sha256(id + code): the code itself is never kept
    mobile_masked: str = Field(max_length=20)
    # open | confirmed | used | voided | failed
    status: ChallengeStatus = Field(
        default=ChallengeStatus.OPEN, sa_column=_status(ChallengeStatus)
    )
    attempts: int = 0
    sandbox: bool = False
    # sandbox SMS only: the code, to show on the signer's page (never set for a real SMS)
    sandbox_code: str | None = Field(default=None, max_length=6)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    confirmed_at: datetime | None = Field(default=None, sa_column=_ts())


class FaceSession(SQLModel, table=True):
    """An H5 face-check session at the provider, waiting for its signed callback."""

    __tablename__ = "face_sessions"

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    signer_row_id: str = Field(foreign_key="envelope_signers.id", max_length=36, index=True)
    invitation_id: str = Field(foreign_key="invitations.id", max_length=36)
    provider_ref: str = Field(max_length=128, unique=True)
    # open | passed | failed
    status: FaceStatus = Field(default=FaceStatus.OPEN, sa_column=_status(FaceStatus))
    sandbox: bool = False
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    completed_at: datetime | None = Field(default=None, sa_column=_ts())


class StoredDocument(SQLModel, table=True):
    """A document by content hash (original, prepared and every signed version).

    Its bytes are in the service's blob store (``documents/<sha256>.pdf``, see
    servicekit.blobs); ``data`` holds them only for rows written before that (NULL since).
    """

    __tablename__ = "documents"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class CaCertificate(SQLModel, table=True):
    """A certificate the internal CA issued, and its revocation if it was revoked.

    OCSP answers ``good`` only for a serial listed here, ``unknown`` for any other.
    """

    __tablename__ = "ca_certificates"
    __table_args__ = (
        UniqueConstraint("issuer_key_id", "serial"),
        Index("ix_ca_certificates_revoked", "revoked_at"),
    )

    id: str = Field(default_factory=_id, primary_key=True, max_length=36)
    serial: str = Field(max_length=64)  # lowercase hex, as reports show it
    issuer_key_id: str = Field(max_length=64)  # hex key id of the issuing CA (any generation)
    kind: str = Field(max_length=16)  # individual | enterprise | firm | tsa
    subject: str = Field(max_length=500)
    not_after: datetime = Field(sa_column=_ts(False))
    certificate_pem: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
    revocation_reason: str | None = Field(default=None, max_length=32)
    invalidity_date: datetime | None = Field(default=None, sa_column=_ts())
    revoked_by: str | None = Field(default=None, max_length=64)
    revocation_comment: str | None = Field(default=None, max_length=500)


class ArchiveTimestamp(SQLModel, table=True):
    """The newest document timestamp (PAdES B-LTA) on an envelope's stored document."""

    __tablename__ = "archive_timestamps"
    __table_args__ = (Index("ix_archive_timestamps_due", "tsa_not_after"),)

    envelope_id: str = Field(foreign_key="envelopes.id", primary_key=True, max_length=36)
    document_sha256: str = Field(max_length=64)
    # when the certificate of the TSA that made the newest timestamp expires
    tsa_not_after: datetime = Field(sa_column=_ts(False))
    timestamped_at: datetime = Field(sa_column=_ts(False))
    renewals: int = 0
