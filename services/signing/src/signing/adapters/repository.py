"""All of signing's queries; repositories never commit (the unit of work does)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from servicekit.tables import AuditEntry
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import DepositChallenge, Envelope, EnvelopeSigner, Invitation, StoredDocument


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
        stmt = select(Envelope).where(Envelope.id == envelope_id)  # type: ignore[arg-type]
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def envelope_by_code(self, verify_code: str) -> Envelope | None:
        """Return the envelope a verification code names."""
        stmt = select(Envelope).where(Envelope.verify_code == verify_code)  # type: ignore[arg-type]
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def envelopes(self, *, contract_id: str | None, owner_id: str | None) -> list[Envelope]:
        """Return envelopes, newest first, optionally of one contract / one owner."""
        stmt = select(Envelope)
        if contract_id:
            stmt = stmt.where(Envelope.contract_id == contract_id)  # type: ignore[arg-type]
        if owner_id:
            stmt = stmt.where(Envelope.owner_id == owner_id)  # type: ignore[arg-type]
        stmt = stmt.order_by(Envelope.created_at.desc())  # type: ignore[attr-defined]
        return list((await self.session.execute(stmt)).scalars())

    async def open_envelopes_of(self, contract_id: str) -> list[Envelope]:
        """Return the contract's envelopes that are still open."""
        stmt = select(Envelope).where(
            Envelope.contract_id == contract_id,
            Envelope.status == "prepared",
            Envelope.kind == "contract",  # type: ignore[arg-type]
        )
        return list((await self.session.execute(stmt)).scalars())

    async def expired_envelopes(self, *, now: datetime, limit: int = 100) -> list[Envelope]:
        """Return open envelopes past their expiry, locked, skipping rows another replica holds."""
        stmt = (
            select(Envelope)
            .where(Envelope.status == "prepared", Envelope.expires_at < now)  # type: ignore[arg-type]
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def signers(self, envelope_id: str) -> list[EnvelopeSigner]:
        """Return an envelope's signers in signing order."""
        stmt = (
            select(EnvelopeSigner)
            .where(EnvelopeSigner.envelope_id == envelope_id)  # type: ignore[arg-type]
            .order_by(EnvelopeSigner.position)  # type: ignore[arg-type]
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
        stmt = select(Invitation).where(Invitation.token_hash == digest)  # type: ignore[arg-type]
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def void_invitations(self, *, signer_row_id: str, now: datetime) -> int:
        """Void every live invitation of a signer; return how many."""
        stmt = (
            update(Invitation)
            .where(Invitation.signer_row_id == signer_row_id, Invitation.voided_at.is_(None))  # type: ignore[arg-type,union-attr]
            .values(voided_at=now)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def deposits_sent(self, *, credit_code: str, day: str) -> int:
        """Count the amounts sent to an enterprise on one Shanghai day."""
        stmt = (
            select(func.count())
            .select_from(DepositChallenge)
            .where(
                DepositChallenge.credit_code == credit_code,
                DepositChallenge.day == day,  # type: ignore[arg-type]
            )
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def latest_deposit(self, signer_row_id: str) -> DepositChallenge | None:
        """Return the signer's most recent amount."""
        stmt = (
            select(DepositChallenge)
            .where(DepositChallenge.signer_row_id == signer_row_id)  # type: ignore[arg-type]
            .order_by(DepositChallenge.created_at.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def void_open_deposits(self, *, credit_code: str) -> None:
        """Void the open amounts of an enterprise (a new amount replaces them)."""
        stmt = (
            update(DepositChallenge)
            .where(DepositChallenge.credit_code == credit_code, DepositChallenge.status == "open")  # type: ignore[arg-type]
            .values(status="voided")
        )
        await self.session.execute(stmt)

    async def lock_credit_code(self, credit_code: str) -> None:
        """Serialise amount requests of one enterprise (PostgreSQL advisory lock until commit)."""
        if self.session.bind.dialect.name == "postgresql":
            key = int.from_bytes(
                hashlib.sha256(credit_code.encode()).digest()[:8], "big", signed=True
            )
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def document(self, sha256: str) -> StoredDocument | None:
        """Return stored document bytes by hash."""
        return await self.session.get(StoredDocument, sha256)

    async def store_document(self, data: bytes) -> str:
        """Store bytes under their sha256 (once); return the hash."""
        digest = hashlib.sha256(data).hexdigest()
        if await self.session.get(StoredDocument, digest) is None:
            self.session.add(StoredDocument(sha256=digest, size=len(data), data=data))
        return digest

    async def audit_trail(self, object_ids: list[str]) -> list[AuditEntry]:
        """Return the audit rows about the given objects, oldest first."""
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.object_id.in_(object_ids))  # type: ignore[attr-defined]
            .order_by(AuditEntry.at)  # type: ignore[arg-type]
        )
        return list((await self.session.execute(stmt)).scalars())
