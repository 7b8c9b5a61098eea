"""All of signing's queries; repositories never commit (the unit of work does)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from servicekit.blobs import keep_document, load_document, session_blobs
from servicekit.db import dialect_insert, utcnow
from servicekit.tables import AuditEntry
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from ..domain.states import ChallengeStatus, EnvelopeStatus
from .tables import DepositChallenge, Envelope, EnvelopeSigner, Invitation, StoredDocument


def _visible(*, contract_id: str | None, owner_id: str | None) -> list[ColumnElement[bool]]:
    """Return the conditions of an envelope list: one contract's, one owner's, or all."""
    conditions: list[ColumnElement[bool]] = []
    if contract_id:
        conditions.append(col(Envelope.contract_id) == contract_id)
    if owner_id:
        conditions.append(col(Envelope.owner_id) == owner_id)
    return conditions


@dataclass(frozen=True)
class Document:
    """A stored document's bytes, wherever they are kept."""

    sha256: str
    size: int
    data: bytes


class DocumentUnreadable(RuntimeError):
    """A document's row names bytes in a blob store this session has none of."""


class SigningRepository:
    """Read and stage envelopes, signers, invitations, deposits and documents."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *rows: object) -> None:
        """Stage new rows."""
        self.session.add_all(rows)

    async def flush(self) -> None:
        """Send staged rows to the database (to get constraint errors early)."""
        await self.session.flush()

    async def envelope(self, envelope_id: str, *, lock: bool = False) -> Envelope | None:
        """Return an envelope; with `lock`, hold its row until commit (serialises signing)."""
        stmt = select(Envelope).where(col(Envelope.id) == envelope_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def envelope_by_code(self, verify_code: str) -> Envelope | None:
        """Return the envelope a verification code names."""
        stmt = select(Envelope).where(col(Envelope.verify_code) == verify_code)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def envelopes(self, *, contract_id: str | None, owner_id: str | None) -> list[Envelope]:
        """Return envelopes, newest first, optionally of one contract / one owner.

        Their page geometry is not loaded (lists never show it); touching it raises.
        """
        stmt = (
            select(Envelope)
            .where(*_visible(contract_id=contract_id, owner_id=owner_id))
            .options(defer(Envelope.pages, raiseload=True))  # type: ignore[arg-type]
            .order_by(col(Envelope.created_at).desc())
        )
        return list((await self.session.execute(stmt)).scalars())

    async def signers_of_envelopes(
        self, *, contract_id: str | None, owner_id: str | None
    ) -> dict[str, list[EnvelopeSigner]]:
        """Return the signers of the envelopes `envelopes` returns, by envelope, in order."""
        ids = select(col(Envelope.id)).where(*_visible(contract_id=contract_id, owner_id=owner_id))
        stmt = (
            select(EnvelopeSigner)
            .where(col(EnvelopeSigner.envelope_id).in_(ids.scalar_subquery()))
            .order_by(col(EnvelopeSigner.envelope_id), col(EnvelopeSigner.position))
        )
        out: dict[str, list[EnvelopeSigner]] = {}
        for row in (await self.session.execute(stmt)).scalars():
            out.setdefault(row.envelope_id, []).append(row)
        return out

    async def open_envelopes_of(self, contract_id: str) -> list[Envelope]:
        """Return the contract's envelopes that are still open."""
        stmt = select(Envelope).where(
            col(Envelope.contract_id) == contract_id,
            col(Envelope.status) == EnvelopeStatus.PREPARED,
            col(Envelope.kind) == "contract",
        )
        return list((await self.session.execute(stmt)).scalars())

    async def expired_envelopes(self, *, now: datetime, limit: int = 100) -> list[Envelope]:
        """Return open envelopes past their expiry, locked, skipping rows another replica holds."""
        stmt = (
            select(Envelope)
            .where(col(Envelope.status) == EnvelopeStatus.PREPARED, col(Envelope.expires_at) < now)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def signers(self, envelope_id: str) -> list[EnvelopeSigner]:
        """Return an envelope's signers in signing order."""
        stmt = (
            select(EnvelopeSigner)
            .where(col(EnvelopeSigner.envelope_id) == envelope_id)
            .order_by(col(EnvelopeSigner.position))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def signer(self, signer_row_id: str) -> EnvelopeSigner | None:
        """Return one signer row."""
        return await self.session.get(EnvelopeSigner, signer_row_id, populate_existing=True)

    async def invitation(self, invitation_id: str) -> Invitation | None:
        """Return one invitation."""
        return await self.session.get(Invitation, invitation_id)

    async def invitation_by_token(self, token: str) -> Invitation | None:
        """Return the invitation whose token hashes to the stored hash."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        stmt = select(Invitation).where(col(Invitation.token_hash) == digest)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def void_invitations(self, *, signer_row_id: str, now: datetime) -> int:
        """Void every live invitation of a signer; return how many."""
        stmt = (
            update(Invitation)
            .where(
                col(Invitation.signer_row_id) == signer_row_id, col(Invitation.voided_at).is_(None)
            )
            .values(voided_at=now)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def deposits_sent(self, *, credit_code: str, day: str) -> int:
        """Count the amounts sent to an enterprise on one Shanghai day."""
        stmt = (
            select(func.count())
            .select_from(DepositChallenge)
            .where(
                col(DepositChallenge.credit_code) == credit_code,
                col(DepositChallenge.day) == day,
            )
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def latest_deposit(self, signer_row_id: str) -> DepositChallenge | None:
        """Return the signer's most recent amount."""
        stmt = (
            select(DepositChallenge)
            .where(col(DepositChallenge.signer_row_id) == signer_row_id)
            .order_by(col(DepositChallenge.created_at).desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def void_open_deposits(self, *, credit_code: str) -> None:
        """Void the open amounts of an enterprise (a new amount replaces them)."""
        stmt = (
            update(DepositChallenge)
            .where(
                col(DepositChallenge.credit_code) == credit_code,
                col(DepositChallenge.status) == ChallengeStatus.OPEN,
            )
            .values(status=ChallengeStatus.VOIDED)
        )
        await self.session.execute(stmt)

    async def lock_credit_code(self, credit_code: str) -> None:
        """Serialise amount requests of one enterprise (PostgreSQL advisory lock until commit)."""
        if self.session.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(
                hashlib.sha256(credit_code.encode()).digest()[:8], "big", signed=True
            )
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def document(self, sha256: str) -> Document | None:
        """Return a stored document by hash: its bytes from the blob store (or, for a row
        written before documents moved there, from the row)."""
        stmt = select(col(StoredDocument.size), col(StoredDocument.data)).where(
            col(StoredDocument.sha256) == sha256
        )
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        size, data = row
        if data is None:
            blobs = session_blobs(self.session)
            if blobs is None:
                raise DocumentUnreadable(f"document {sha256} is in the blob store; none attached")
            data = await load_document(blobs, sha256, session=self.session)
        return Document(sha256=sha256, size=int(size), data=bytes(data))

    async def store_document(self, data: bytes) -> str:
        """Store bytes under their sha256 (once); return the hash.

        The bytes go to the blob store first (idempotent, content-addressed), then the row
        is staged: a row never names bytes that are not there. A transaction that rolls
        back leaves its bytes behind, harmless: the next store of the same content finds them.
        """
        digest = hashlib.sha256(data).hexdigest()
        blobs = session_blobs(self.session)
        if blobs is not None:
            await keep_document(blobs, data, session=self.session)
        # INSERT .. ON CONFLICT DO NOTHING: two envelopes of the same bytes prepared at once
        # must not collide on the primary key (a check-then-insert races).
        insert = dialect_insert(self.session)
        stmt = insert(StoredDocument).values(
            sha256=digest,
            size=len(data),
            data=None if blobs is not None else data,
            created_at=utcnow(),
        )
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]))
        return digest

    async def identity_failures(
        self, *, envelope_id: str, signer_id: str, action: str, since: datetime
    ) -> list[datetime]:
        """Return when this signer's identity check (`action`) recently failed (audit log)."""
        stmt = select(col(AuditEntry.at), col(AuditEntry.after)).where(
            col(AuditEntry.object_type) == "envelope",
            col(AuditEntry.object_id) == envelope_id,
            col(AuditEntry.action) == action,
            col(AuditEntry.at) > since,
        )
        times = []
        for at, after in (await self.session.execute(stmt)).all():
            entry = json.loads(after or "{}")
            if entry.get("signer_id") == signer_id and entry.get("result") != "ok":
                times.append(at)
        return times

    async def audit_trail(self, object_ids: list[str]) -> list[AuditEntry]:
        """Return the audit rows about the given objects, oldest first."""
        stmt = (
            select(AuditEntry)
            .where(col(AuditEntry.object_id).in_(object_ids))
            .order_by(col(AuditEntry.at))
        )
        return list((await self.session.execute(stmt)).scalars())
