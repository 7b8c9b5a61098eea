"""All of review's queries."""

from __future__ import annotations

import base64
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.rounds import OPEN
from .tables import ReviewRound

_Col = ReviewRound.__table__.c  # type: ignore[attr-defined]


def encode_cursor(at: datetime, round_id: str) -> str:
    """Return an opaque cursor for the position after (`at`, `round_id`)."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{round_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    """Return the position a cursor names, or None when it is not one of ours."""
    try:
        at, _, round_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), round_id
    except (ValueError, UnicodeDecodeError):
        return None


class RoundRepository:
    """Read and stage review rounds; never commits (the unit of work does)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: ReviewRound) -> None:
        """Stage a new round."""
        self.session.add(row)

    async def get(self, round_id: str, *, for_update: bool = False) -> ReviewRound | None:
        """Return one round by id (locked for the rest of the transaction when `for_update`)."""
        return await self.session.get(ReviewRound, round_id, with_for_update=for_update)

    async def for_contract(
        self, contract_id: str, *, for_update: bool = False
    ) -> list[ReviewRound]:
        """Return every round of a contract, newest first."""
        stmt = (
            select(ReviewRound)
            .where(_Col.contract_id == contract_id)
            .order_by(_Col.round.desc(), _Col.queued_at.desc())
        )
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars())

    async def open_for_contract(self, contract_id: str) -> list[ReviewRound]:
        """Return the contract's open rounds (pending or claimed), locked."""
        stmt = (
            select(ReviewRound)
            .where(_Col.contract_id == contract_id, _Col.state.in_(sorted(OPEN)))
            .with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars())

    async def queue(
        self,
        *,
        states: Collection[str],
        sort: str,
        oldest_first: bool,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ReviewRound]:
        """Return one page of rounds in `states`, keyset-paged on (`sort` column, id)."""
        col = _Col[sort]
        stmt = select(ReviewRound).where(_Col.state.in_(sorted(states)))
        if after is not None:
            at, rid = after
            if oldest_first:
                stmt = stmt.where(or_(col > at, and_(col == at, _Col.id > rid)))
            else:
                stmt = stmt.where(or_(col < at, and_(col == at, _Col.id < rid)))
        order = (col.asc(), _Col.id.asc()) if oldest_first else (col.desc(), _Col.id.desc())
        stmt = stmt.order_by(*order).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def count(self, *, states: Collection[str]) -> int:
        """Return how many rounds are in `states`."""
        stmt = select(func.count()).select_from(ReviewRound).where(_Col.state.in_(sorted(states)))
        return int((await self.session.execute(stmt)).scalar_one())
