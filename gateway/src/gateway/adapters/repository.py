"""All of the gateway's queries."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from .tables import ApiKey, User


class UserRepository:
    """Read and add users; never commits (the unit of work does)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, user: User) -> None:
        """Stage a new user."""
        self.session.add(user)

    async def by_username(self, username: str) -> User | None:
        """Return the user with `username`."""
        stmt = select(User).where(col(User.username) == username)
        return (await self.session.execute(stmt)).scalars().first()

    async def get(self, user_id: str) -> User | None:
        """Return one user by id."""
        try:
            return await self.session.get(User, uuid.UUID(user_id))
        except ValueError:
            return None

    async def token_version(self, user_id: str) -> int | None:
        """Return the user's token version, or None when they are unknown or deactivated."""
        try:
            uid = uuid.UUID(user_id)
        except ValueError:
            return None
        stmt = select(col(User.token_version), col(User.active)).where(col(User.id) == uid)
        row = (await self.session.execute(stmt)).first()
        return int(row[0]) if row is not None and row[1] else None

    async def all(self) -> list[User]:
        """Return every user, by username."""
        stmt = select(User).order_by(User.username)
        return list((await self.session.execute(stmt)).scalars())


class ApiKeyRepository:
    """Read and add partner API keys; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, key: ApiKey) -> None:
        """Stage a new API key."""
        self.session.add(key)

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        """Return the active key whose SHA-256 is `key_hash`."""
        stmt = select(ApiKey).where(col(ApiKey.key_hash) == key_hash, col(ApiKey.active).is_(True))
        return (await self.session.execute(stmt)).scalars().first()

    async def get(self, key_id: str) -> ApiKey | None:
        """Return one key by id."""
        try:
            return await self.session.get(ApiKey, uuid.UUID(key_id))
        except ValueError:
            return None

    async def all(self) -> list[ApiKey]:
        """Return every key, newest first."""
        stmt = select(ApiKey).order_by(col(ApiKey.created_at).desc())
        return list((await self.session.execute(stmt)).scalars())
