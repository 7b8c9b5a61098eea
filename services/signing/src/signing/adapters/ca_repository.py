"""Queries on the certificates the internal CA issued and revoked (never commits)."""

from __future__ import annotations

from datetime import datetime

from servicekit.db import dialect_insert
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from .tables import ArchiveTimestamp, CaCertificate


class CaRepository:
    """Read and stage the CA's certificate register and the archive timestamps."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def register(self, row: CaCertificate) -> None:
        """Add a certificate to the register; one already there is left as it is."""
        values = {c.name: getattr(row, c.name) for c in CaCertificate.__table__.columns}  # type: ignore[attr-defined]
        stmt = (
            dialect_insert(self.session)(CaCertificate)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["issuer_key_id", "serial"])
        )
        await self.session.execute(stmt)

    async def by_serial(self, serial: str, *, lock: bool = False) -> list[CaCertificate]:
        """Return the registered certificates with this serial (one per issuing CA at most)."""
        stmt = select(CaCertificate).where(col(CaCertificate.serial) == serial)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list((await self.session.execute(stmt)).scalars())

    async def revoked(self) -> list[CaCertificate]:
        """Return every revoked certificate."""
        stmt = select(CaCertificate).where(col(CaCertificate.revoked_at).is_not(None))
        return list((await self.session.execute(stmt)).scalars())

    async def archive(self, envelope_id: str, *, lock: bool = False) -> ArchiveTimestamp | None:
        """Return an envelope's newest archive timestamp record."""
        stmt = select(ArchiveTimestamp).where(col(ArchiveTimestamp.envelope_id) == envelope_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def archives_due(self, *, before: datetime, limit: int) -> list[str]:
        """Return envelopes whose newest timestamp's TSA certificate expires before ``before``."""
        stmt = (
            select(col(ArchiveTimestamp.envelope_id))
            .where(col(ArchiveTimestamp.tsa_not_after) < before)
            .order_by(col(ArchiveTimestamp.tsa_not_after))
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    def add(self, *rows: object) -> None:
        """Stage new rows."""
        self.session.add_all(rows)
