"""Use case: publish the partner bus's waiting events, oldest first, then forget them.

Rows are written with the event (the same masked payload the webhooks carry) and deleted once
the broker has confirmed them; a crash in between publishes them again, and a partner
deduplicates on the message id (the event id), as it does for webhooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from servicekit.uow import UowFactory
from sqlalchemy import delete, select
from sqlmodel import col

from ..adapters.partner_bus import BusMessage
from ..adapters.tables import PartnerBusMessage


class Publisher(Protocol):
    """Where partner events go (the partner exchange)."""

    async def publish(self, messages: Sequence[BusMessage]) -> None:
        """Publish and return once every message is confirmed."""


# a broker that never confirms must not hold the rows' locks for ever: the round fails, the
# rows stay, the next round publishes them again
PUBLISH_TIMEOUT = 30.0


async def publish_partner_events(
    *, uow_factory: UowFactory, bus: Publisher, batch: int, confirm_within: float = PUBLISH_TIMEOUT
) -> int:
    """Publish up to `batch` waiting events; return how many (replicas take different rows)."""
    async with uow_factory() as uow:
        stmt = (
            select(PartnerBusMessage)
            .order_by(col(PartnerBusMessage.created_at), col(PartnerBusMessage.event_id))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = list((await uow.session.execute(stmt)).scalars().all())
        if not rows:
            return 0
        messages = [BusMessage(r.event_id, r.event_type, r.payload) for r in rows]
        await asyncio.wait_for(bus.publish(messages), timeout=confirm_within)
        ids = [r.event_id for r in rows]
        await uow.session.execute(
            delete(PartnerBusMessage).where(col(PartnerBusMessage.event_id).in_(ids))
        )
        await uow.commit()
        return len(rows)
