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

from ..adapters.partner_bus import BusMessage
from ..adapters.webhook_repository import WebhookRepository


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
        repo = uow.repo(WebhookRepository)
        rows = await repo.claim_partner_events(batch)
        if not rows:
            return 0
        messages = [BusMessage(r.event_id, r.event_type, r.payload) for r in rows]
        await asyncio.wait_for(bus.publish(messages), timeout=confirm_within)
        await repo.forget_partner_events([r.event_id for r in rows])
        await uow.commit()
        return len(rows)
