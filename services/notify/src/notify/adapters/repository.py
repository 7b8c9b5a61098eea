"""All of notify's queries."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from .tables import Notification


class NotificationRepository:
    """Read and add notifications; never commits (the unit of work does)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, notification: Notification) -> None:
        """Stage a new notification."""
        self.session.add(notification)

    async def for_user(
        self, *, user_id: str, roles: frozenset[str], unread_only: bool, limit: int
    ) -> list[Notification]:
        """Return the newest notifications addressed to the user or to one of their roles."""
        mine = col(Notification.recipient_user_id) == user_id
        cond = or_(mine, col(Notification.recipient_role).in_(sorted(roles))) if roles else mine
        stmt = select(Notification).where(cond)
        if unread_only:
            stmt = stmt.where(col(Notification.read_at).is_(None))
        stmt = stmt.order_by(col(Notification.created_at).desc()).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def get(self, notification_id: str) -> Notification | None:
        """Return one notification by id."""
        return await self.session.get(Notification, notification_id)
