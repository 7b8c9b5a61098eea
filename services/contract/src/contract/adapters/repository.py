"""All of contract's queries."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.db import dialect_insert
from sqlalchemy import ColumnElement, Select, Text, func, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import Contract, Document, Signer, StatusChange

SEARCHED = (Contract.title, Contract.client_name, Contract.case_serial_no)


def like_pattern(term: str) -> str:
    """Return the lowercased LIKE pattern finding `term` anywhere, with %, _ and \\ literal."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ("%" + escaped + "%").lower()


def search_condition(term: str, *, postgres: bool) -> ColumnElement[bool]:
    """Return "some searched column, lowercased, contains `term`, lowercased".

    On PostgreSQL the pg_trgm indexes serve this LIKE for terms of 3+ characters. A 1-2
    character term has no trigram, so it is asked of the gram index instead (every 1-2
    character substring of the lowered columns, see migration d65b17773c5a): the same rows by
    construction. Not both: PostgreSQL would multiply their selectivities as if independent
    and take a term in 6% of the rows for one in 0.06%.
    """
    pattern = like_pattern(term)
    needle = re.sub(r"\\(.)", r"\1", pattern[1:-1], flags=re.DOTALL)  # what LIKE looks for
    if postgres and len(needle) <= 2:
        grams = func.contract_search_grams(*SEARCHED, type_=ARRAY(Text))
        return grams.contains([needle])
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in SEARCHED))


@dataclass(frozen=True)
class Page:
    """A keyset position: the last row of the previous page."""

    created_at: datetime
    id: str


class ContractRepository:
    """Read and stage applications, documents, signers and timeline rows; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

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
        stmt = self.page_query(
            owner_id=owner_id, status=status, query=query, after=after, limit=limit
        )
        if query and self._postgres:
            # A rare term wants the search indexes, a common one the newest-first walk; only a
            # plan made for the term can tell. After five runs of a prepared statement PostgreSQL
            # may switch to one generic plan for every term (seen: 150 ms instead of 1 ms).
            await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        return list((await self.session.execute(stmt)).scalars())

    async def explain(self, stmt: Select[Any]) -> dict[str, Any]:
        """Run `stmt` under PostgreSQL's EXPLAIN ANALYZE and return the plan (bench, tests)."""
        compiled = stmt.compile(dialect=self.session.get_bind().dialect)
        params = compiled.construct_params()
        args = [params[name] for name in compiled.positiontup or ()]
        raw = await (await self.session.connection()).get_raw_connection()
        driver = raw.driver_connection  # asyncpg's own connection: EXPLAIN takes $n parameters
        assert driver is not None
        explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + str(compiled)
        value = await driver.fetchval(explain, *args)  # decoded already if a json codec is set
        plan: dict[str, Any] = (json.loads(value) if isinstance(value, str) else value)[0]
        return plan

    def page_query(
        self,
        *,
        owner_id: str | None,
        status: str | None,
        query: str | None,
        after: Page | None,
        limit: int,
    ) -> Select[Contract]:
        """Return the statement `page` runs (the bench and tests EXPLAIN it)."""
        stmt = select(Contract)
        if owner_id is not None:
            stmt = stmt.where(Contract.owner_id == owner_id)  # type: ignore[arg-type]
        if status is not None:
            stmt = stmt.where(Contract.status == status)  # type: ignore[arg-type]
        if query:
            stmt = stmt.where(search_condition(query, postgres=self._postgres))
        if after is not None:
            # A row-value comparison lets PostgreSQL start the index scan right at the cursor.
            stmt = stmt.where(
                tuple_(Contract.created_at, Contract.id) < tuple_(after.created_at, after.id)  # type: ignore[arg-type]
            )
        return stmt.order_by(Contract.created_at.desc(), Contract.id.desc()).limit(limit)  # type: ignore[attr-defined,union-attr]

    async def document(self, sha256: str) -> Document | None:
        """Return an accepted document by hash."""
        return await self.session.get(Document, sha256)

    async def keep_document(self, document: Document) -> Document:
        """Record an accepted document once and return its row, whoever inserted it.

        INSERT .. ON CONFLICT DO NOTHING: concurrent uploads of the same bytes must not
        collide on the primary key (a check-then-insert races).
        """
        insert = dialect_insert(self.session)
        values = document.model_dump()
        await self.session.execute(
            insert(Document).values(**values).on_conflict_do_nothing(index_elements=["sha256"])
        )
        kept = await self.session.get(Document, document.sha256)
        assert kept is not None  # inserted now, or by a transaction that committed
        return kept

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
