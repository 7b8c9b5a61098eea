"""Thin routes for webhook operations: test-send, resend one delivery, replay since a time."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict
from servicekit.app import UowDep
from servicekit.idempotency import Idempotent

from ..service_layer import webhook_operations as ops
from .webhooks_api import DeliveriesPublic, DeliveryPublic, Manager

router = APIRouter(prefix="/api/notify/webhooks", tags=["webhooks"])


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime


@router.post("/{subscription_id}/test", response_model=DeliveryPublic, status_code=202)
async def test_send(
    subscription_id: str, uow: UowDep, user: Manager, once: Idempotent
) -> DeliveryPublic | Response:
    """Send a `webhook.test` event to the endpoint (queued; its log shows the answer)."""

    async def act() -> DeliveryPublic:
        row = await ops.test_send(uow, user=user, subscription_id=subscription_id)
        return DeliveryPublic.of(row, [])

    return await once.run(uow, act)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/resend",
    response_model=DeliveryPublic,
    status_code=202,
)
async def resend(
    subscription_id: str, delivery_id: str, uow: UowDep, user: Manager, once: Idempotent
) -> DeliveryPublic | Response:
    """Send one delivery's event again, as a new delivery (same event id)."""

    async def act() -> DeliveryPublic:
        row = await ops.resend(
            uow, user=user, subscription_id=subscription_id, delivery_id=delivery_id
        )
        return DeliveryPublic.of(row, [])

    return await once.run(uow, act)


@router.post("/{subscription_id}/replay", response_model=DeliveriesPublic, status_code=202)
async def replay(
    subscription_id: str, body: ReplayRequest, uow: UowDep, user: Manager, once: Idempotent
) -> DeliveriesPublic | Response:
    """Send again every event the subscription was owed since `since`, oldest first."""

    async def act() -> DeliveriesPublic:
        since: datetime = body.since
        rows = await ops.replay(uow, user=user, subscription_id=subscription_id, since=since)
        data = [DeliveryPublic.of(r, []) for r in rows]
        return DeliveriesPublic(data=data, count=len(data))

    return await once.run(uow, act)
