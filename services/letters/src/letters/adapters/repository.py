"""All of letters' queries; repositories never commit (the unit of work does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from servicekit.blobs import keep_document, load_document, session_blobs
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


@dataclass(frozen=True)
class Document:
    """A stored PDF's bytes, wherever they are kept."""

    sha256: str
    size: int
    content: bytes


class DocumentUnreadable(RuntimeError):
    """A document's row names bytes in a blob store this session has none of."""


class DocumentRepository:
    """Store and read PDFs by their sha256: bytes in the blob store, a row per document."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, *, sha256: str, content: bytes) -> None:
        """Store the bytes and stage the row unless one with the same hash is already there.

        The bytes go to the blob store first (idempotent, content-addressed): a row never
        names bytes that are not there; a rollback leaves harmless bytes behind.
        """
        blobs = session_blobs(self.session)
        if (
            blobs is not None
            and await keep_document(blobs, content, session=self.session) != sha256
        ):
            raise ValueError(f"document {sha256} does not match its content")
        if await self.session.get(StoredDocument, sha256) is None:
            stored = None if blobs is not None else content
            self.session.add(StoredDocument(sha256=sha256, size=len(content), content=stored))

    async def get(self, sha256: str) -> Document | None:
        """Return a stored document: its bytes from the blob store (or, for a row written
        before documents moved there, from the row)."""
        stmt = select(StoredDocument.size, StoredDocument.content).where(  # type: ignore[call-overload]
            StoredDocument.sha256 == sha256
        )
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        size, content = row
        if content is None:
            blobs = session_blobs(self.session)
            if blobs is None:
                raise DocumentUnreadable(f"document {sha256} is in the blob store; none attached")
            content = await load_document(blobs, sha256, session=self.session)
        return Document(sha256=sha256, size=int(size), content=bytes(content))
