"""All of notify's webhook queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import (
    Notification,
    PartnerBusMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

_S = WebhookSubscription.__table__.c  # type: ignore[attr-defined]
_D = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
_A = WebhookAttempt.__table__.c  # type: ignore[attr-defined]
_P = PartnerBusMessage.__table__.c  # type: ignore[attr-defined]


def _skip_locked(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


class WebhookRepository:
    """Read and stage subscriptions, deliveries and attempts; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(
        self,
        row: WebhookSubscription
        | WebhookDelivery
        | WebhookAttempt
        | Notification
        | PartnerBusMessage,
    ) -> None:
        """Stage a new row."""
        self.session.add(row)

    async def subscription(self, subscription_id: str) -> WebhookSubscription | None:
        """Return one subscription that has not been deleted."""
        row = await self.session.get(WebhookSubscription, subscription_id)
        return row if row is not None and row.deleted_at is None else None

    async def subscriptions(self, *, owner_id: str | None) -> list[WebhookSubscription]:
        """Return the live subscriptions, of one owner or (None) of everyone, oldest first."""
        stmt = select(WebhookSubscription).where(_S.deleted_at.is_(None))
        if owner_id is not None:
            stmt = stmt.where(_S.owner_id == owner_id)
        stmt = stmt.order_by(_S.created_at, _S.id)
        return list((await self.session.execute(stmt)).scalars())

    async def active_subscriptions(self) -> list[WebhookSubscription]:
        """Return every subscription that receives events now."""
        stmt = select(WebhookSubscription).where(_S.deleted_at.is_(None), _S.active.is_(True))
        return list((await self.session.execute(stmt)).scalars())

    async def cancel_pending(self, subscription_id: str) -> None:
        """Stop every delivery still owed to a subscription."""
        await self.session.execute(
            update(WebhookDelivery)
            .where(_D.subscription_id == subscription_id, _D.state == "pending")
            .values(state="cancelled")
        )

    async def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
        """Lease the due deliveries of active subscriptions (other replicas skip them)."""
        stmt = (
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, _S.id == _D.subscription_id)
            .where(_D.state == "pending", _D.next_attempt_at <= now)
            .where(_S.active.is_(True), _S.deleted_at.is_(None))
            .order_by(_D.next_attempt_at, _D.created_at, _D.id)
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=_skip_locked(self.session))
        )
        rows = [(d, s) for d, s in (await self.session.execute(stmt)).all()]
        for d, _ in rows:
            d.next_attempt_at = lease_until
        return rows

    async def claim_partner_events(self, limit: int) -> list[PartnerBusMessage]:
        """Lock the oldest events waiting for the partner bus (other replicas skip them)."""
        stmt = (
            select(PartnerBusMessage)
            .order_by(_P.created_at, _P.event_id)
            .limit(limit)
            .with_for_update(skip_locked=_skip_locked(self.session))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def forget_partner_events(self, event_ids: Sequence[str]) -> None:
        """Delete the partner-bus events the broker has confirmed."""
        await self.session.execute(delete(PartnerBusMessage).where(_P.event_id.in_(event_ids)))

    async def delivery(self, delivery_id: str) -> WebhookDelivery | None:
        """Return one delivery, locked for the rest of the transaction."""
        return await self.session.get(WebhookDelivery, delivery_id, with_for_update=True)

    async def deliveries(self, *, subscription_id: str, limit: int) -> list[WebhookDelivery]:
        """Return a subscription's newest deliveries."""
        stmt = (
            select(WebhookDelivery)
            .where(_D.subscription_id == subscription_id)
            .order_by(_D.created_at.desc(), _D.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def deliveries_since(
        self, *, subscription_id: str, since: datetime, limit: int
    ) -> list[WebhookDelivery]:
        """Return a subscription's deliveries created at or after `since`, oldest first."""
        stmt = (
            select(WebhookDelivery)
            .where(_D.subscription_id == subscription_id, _D.created_at >= since)
            .order_by(_D.created_at, _D.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def attempts(self, delivery_ids: Sequence[str]) -> list[WebhookAttempt]:
        """Return the attempts of these deliveries, oldest first."""
        if not delivery_ids:
            return []
        stmt = (
            select(WebhookAttempt)
            .where(_A.delivery_id.in_(list(delivery_ids)))
            .order_by(_A.at, _A.id)
        )
        return list((await self.session.execute(stmt)).scalars())
