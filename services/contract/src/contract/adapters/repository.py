"""All of contract's queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import Contract, Document, Signer, StatusChange


@dataclass(frozen=True)
class Page:
    """A keyset position: the last row of the previous page."""

    created_at: datetime
    id: str


class ContractRepository:
    """Read and stage applications, documents, signers and timeline rows; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Contract | Document | Signer | StatusChange) -> None:
        """Stage a new row."""
        self.session.add(row)

    async def get(self, contract_id: str, *, for_update: bool = False) -> Contract | None:
        """Return one application by id (locked for the transaction when `for_update`)."""
        stmt = select(Contract).where(Contract.id == contract_id)  # type: ignore[arg-type]
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self,
        *,
        owner_id: str | None,
        status: str | None,
        query: str | None,
        after: Page | None,
        limit: int,
    ) -> list[Contract]:
        """Return applications newest first, after the keyset position `after`."""
        stmt = select(Contract)
        if owner_id is not None:
            stmt = stmt.where(Contract.owner_id == owner_id)  # type: ignore[arg-type]
        if status is not None:
            stmt = stmt.where(Contract.status == status)  # type: ignore[arg-type]
        if query:
            pattern = (
                "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            stmt = stmt.where(
                or_(
                    func.lower(Contract.title).like(pattern.lower(), escape="\\"),
                    func.lower(Contract.client_name).like(pattern.lower(), escape="\\"),
                    func.lower(Contract.case_serial_no).like(pattern.lower(), escape="\\"),
                )
            )
        if after is not None:
            # A row-value comparison lets PostgreSQL start the index scan right at the cursor.
            stmt = stmt.where(
                tuple_(Contract.created_at, Contract.id) < tuple_(after.created_at, after.id)  # type: ignore[arg-type]
            )
        stmt = stmt.order_by(Contract.created_at.desc(), Contract.id.desc()).limit(limit)  # type: ignore[attr-defined,union-attr]
        return list((await self.session.execute(stmt)).scalars())

    async def document(self, sha256: str) -> Document | None:
        """Return an accepted document by hash."""
        return await self.session.get(Document, sha256)

    async def signers(self, contract_id: str) -> list[Signer]:
        """Return an application's signers in the order they were added."""
        stmt = (
            select(Signer)
            .where(Signer.contract_id == contract_id)  # type: ignore[arg-type]
            .order_by(Signer.position, Signer.created_at)  # type: ignore[arg-type]
        )
        return list((await self.session.execute(stmt)).scalars())

    async def signer(self, *, contract_id: str, signer_id: str) -> Signer | None:
        """Return one signer of one application."""
        row = await self.session.get(Signer, signer_id)
        return row if row is not None and row.contract_id == contract_id else None

    async def delete_signer(self, signer: Signer) -> None:
        """Stage a signer's removal."""
        await self.session.delete(signer)

    async def timeline(self, contract_id: str) -> list[StatusChange]:
        """Return an application's status changes, oldest first."""
        stmt = (
            select(StatusChange)
            .where(StatusChange.contract_id == contract_id)  # type: ignore[arg-type]
            .order_by(StatusChange.id)  # type: ignore[arg-type]
        )
        return list((await self.session.execute(stmt)).scalars())
