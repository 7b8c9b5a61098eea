"""All of letters' queries; repositories never commit (the unit of work does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from servicekit.db import dialect_insert
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import Letter, NumberCounter, StoredDocument


@dataclass(frozen=True)
class LetterFilter:
    """What a letter list is narrowed to; None means any."""

    owner_id: str | None = None
    kind: str | None = None
    status: str | None = None
    case_serial_no: str | None = None
    date_from: date | None = None
    date_to: date | None = None


class LetterRepository:
    """Read, add and number letters."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, letter: Letter) -> None:
        """Stage a new letter."""
        self.session.add(letter)

    async def get(self, letter_id: str, *, lock: bool = False) -> Letter | None:
        """Return one letter; with `lock`, hold its row until the transaction ends."""
        stmt = select(Letter).where(Letter.id == letter_id)  # type: ignore[arg-type]
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalars().first()

    async def page(
        self, *, where: LetterFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Letter]:
        """Return up to `limit` letters matching `where`, newest first, after a cursor."""
        conds = []
        if where.owner_id is not None:
            conds.append(Letter.owner_id == where.owner_id)
        if where.kind is not None:
            conds.append(Letter.kind == where.kind)
        if where.status is not None:
            conds.append(Letter.status == where.status)
        if where.case_serial_no is not None:
            conds.append(Letter.case_serial_no == where.case_serial_no)
        if where.date_from is not None:
            conds.append(Letter.letter_date >= where.date_from)  # type: ignore[operator]
        if where.date_to is not None:
            conds.append(Letter.letter_date <= where.date_to)  # type: ignore[operator]
        if after is not None:
            at, last_id = after
            created = Letter.created_at
            conds.append(or_(created < at, and_(created == at, Letter.id < last_id)))  # type: ignore[operator, arg-type]
        stmt = (
            select(Letter)
            .where(*conds)  # type: ignore[arg-type]
            .order_by(Letter.created_at.desc(), Letter.id.desc())  # type: ignore[attr-defined, union-attr]
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def next_number(self, *, year: int, type_code: str) -> int:
        """Take the next sequence for (year, type), locking its row until the transaction ends."""
        insert = dialect_insert(self.session)
        values = {"year": year, "type_code": type_code, "last_seq": 0}
        await self.session.execute(insert(NumberCounter).values(**values).on_conflict_do_nothing())
        # An UPDATE takes the row lock: a concurrent approval waits here until this
        # transaction ends, and a rollback returns the number, so the sequence has no gaps.
        stmt = (
            update(NumberCounter)
            .where(NumberCounter.year == year, NumberCounter.type_code == type_code)  # type: ignore[arg-type]
            .values(last_seq=NumberCounter.last_seq + 1)
            .returning(NumberCounter.__table__.c.last_seq)  # type: ignore[attr-defined]
        )
        return int((await self.session.execute(stmt)).scalar_one())


class DocumentRepository:
    """Store and read PDFs by their sha256."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, *, sha256: str, content: bytes) -> None:
        """Stage a document unless one with the same hash is already stored."""
        if await self.session.get(StoredDocument, sha256) is None:
            self.session.add(StoredDocument(sha256=sha256, size=len(content), content=content))

    async def get(self, sha256: str) -> StoredDocument | None:
        """Return a stored document."""
        return await self.session.get(StoredDocument, sha256)
