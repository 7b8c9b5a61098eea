"""Queries of the address book and of share links; never commits."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import Address, Share, ShareOpen


class AddressRepository:
    """A lawyer's mailing addresses."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_book(self, owner_id: str) -> None:
        """Hold the owner's address book until commit, before reading which entry is default.

        Two requests that both find no default would both insert one; the partial unique
        index refuses the second, which would fail as a 500. PostgreSQL: a transaction-level
        advisory lock, so replicas queue. SQLite (make run, one process): a no-op write
        takes the database's write lock before the book is read.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            digest = hashlib.sha256(b"letters.address_book:" + owner_id.encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))
            return
        await self.session.execute(
            update(Address)
            .where(Address.owner_id == owner_id, Address.is_default)  # type: ignore[arg-type]
            .values(is_default=True)
        )

    def add(self, address: Address) -> None:
        """Stage a new address."""
        self.session.add(address)

    async def delete(self, address: Address) -> None:
        """Stage the removal of an address."""
        await self.session.delete(address)
        await self.session.flush()

    async def get(self, *, owner_id: str, address_id: str) -> Address | None:
        """Return one of the owner's addresses."""
        a = await self.session.get(Address, address_id)
        return a if a is not None and a.owner_id == owner_id else None

    async def for_owner(self, owner_id: str) -> list[Address]:
        """Return the owner's addresses, the default first, then newest first."""
        stmt = (
            select(Address)
            .where(Address.owner_id == owner_id)  # type: ignore[arg-type]
            .order_by(Address.is_default.desc(), Address.created_at.desc())  # type: ignore[attr-defined]
        )
        return list((await self.session.execute(stmt)).scalars())

    async def default(self, owner_id: str) -> Address | None:
        """Return the owner's default address."""
        stmt = select(Address).where(Address.owner_id == owner_id, Address.is_default)  # type: ignore[arg-type]
        return (await self.session.execute(stmt)).scalars().first()

    async def clear_default(self, owner_id: str) -> None:
        """Unset the owner's default address (before another becomes default)."""
        stmt = (
            update(Address)
            .where(Address.owner_id == owner_id, Address.is_default)  # type: ignore[arg-type]
            .values(is_default=False)
        )
        await self.session.execute(stmt)


class ShareRepository:
    """Share links of letters and their openings."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, share: Share) -> None:
        """Stage a new share link."""
        self.session.add(share)

    async def get(self, *, letter_id: str, share_id: str) -> Share | None:
        """Return one share link of a letter."""
        s = await self.session.get(Share, share_id)
        return s if s is not None and s.letter_id == letter_id else None

    async def by_token_hash(self, token_hash: str) -> Share | None:
        """Return the share link whose token hashes to `token_hash`."""
        stmt = select(Share).where(Share.token_hash == token_hash)  # type: ignore[arg-type]
        return (await self.session.execute(stmt)).scalars().first()

    async def for_letter(self, letter_id: str) -> list[Share]:
        """Return a letter's share links, newest first."""
        stmt = (
            select(Share)
            .where(Share.letter_id == letter_id)  # type: ignore[arg-type]
            .order_by(Share.created_at.desc())  # type: ignore[attr-defined]
        )
        return list((await self.session.execute(stmt)).scalars())

    def add_open(self, opened: ShareOpen) -> None:
        """Stage the record of one opening."""
        self.session.add(opened)

    async def opens(self, share_id: str) -> list[ShareOpen]:
        """Return the openings of a share link, newest first."""
        stmt = (
            select(ShareOpen)
            .where(ShareOpen.share_id == share_id)  # type: ignore[arg-type]
            .order_by(ShareOpen.opened_at.desc(), ShareOpen.id.desc())  # type: ignore[attr-defined, union-attr]
        )
        return list((await self.session.execute(stmt)).scalars())
