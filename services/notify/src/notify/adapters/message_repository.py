"""All of notify's contact and outgoing e-mail/SMS queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import ContactPoint, OutgoingMessage

_C = ContactPoint.__table__.c  # type: ignore[attr-defined]
_O = OutgoingMessage.__table__.c  # type: ignore[attr-defined]


class MessageRepository:
    """Read and stage contact points and outgoing messages; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: ContactPoint | OutgoingMessage) -> None:
        """Stage a new row."""
        self.session.add(row)

    async def contact(self, user_id: str) -> ContactPoint | None:
        """Return a user's contact point."""
        return await self.session.get(ContactPoint, user_id)

    async def contacts_with_role(self, role: str) -> list[ContactPoint]:
        """Return the contact points of users holding `role`."""
        stmt = select(ContactPoint).where(_C.roles.contains(f"|{role}|"))
        return list((await self.session.execute(stmt)).scalars())

    async def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutgoingMessage]:
        """Lease due outgoing messages (other replicas skip them) and return them."""
        skip = self.session.get_bind().dialect.name == "postgresql"
        stmt = (
            select(OutgoingMessage)
            .where(_O.state == "pending", _O.next_attempt_at <= now)
            .order_by(_O.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=skip)
        )
        rows = list((await self.session.execute(stmt)).scalars())
        for r in rows:
            r.next_attempt_at = lease_until
        return rows

    async def outgoing(self, message_id: str) -> OutgoingMessage | None:
        """Return one outgoing message, locked for the rest of the transaction."""
        return await self.session.get(OutgoingMessage, message_id, with_for_update=True)

    async def recent(self, *, limit: int) -> list[OutgoingMessage]:
        """Return the newest outgoing messages."""
        stmt = select(OutgoingMessage).order_by(_O.created_at.desc(), _O.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())
