"""Use cases: test-send, resend one delivery, replay a subscription's events since a time.

Each writes new deliveries the background sender posts like any other (signed, retried,
logged); a resent or replayed event keeps its id, so a partner that already has it can
drop the copy (Standard Webhooks' `webhook-id`).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.tables import WebhookDelivery, WebhookSubscription
from ..adapters.webhook_repository import WebhookRepository
from ..domain.webhooks import DeliveryNotFound
from .webhooks import _own

TEST_EVENT = "webhook.test"
REPLAY_LIMIT = 10_000


async def test_send(uow: UnitOfWork, *, user: Principal, subscription_id: str) -> WebhookDelivery:
    """Queue a `webhook.test` event to the subscription's endpoint."""
    sub = await _own(uow, user=user, subscription_id=subscription_id)
    event_id = str(uuid.uuid4())
    payload = {
        "specversion": "1.0",
        "id": event_id,
        "source": "lexseal/notify",
        "type": TEST_EVENT,
        "subject": sub.id,
        "time": utcnow().isoformat(),
        "datacontenttype": "application/json",
        "data": {"subscription_id": sub.id, "test": True},
    }
    row = WebhookDelivery(
        subscription_id=sub.id,
        event_id=event_id,
        event_type=TEST_EVENT,
        payload=json.dumps(payload, ensure_ascii=False),
    )
    uow.repo(WebhookRepository).add(row)
    _audit(sub, user=user, action="webhook.test_sent", after={"event_id": event_id})
    await uow.commit()
    return row


async def resend(
    uow: UnitOfWork, *, user: Principal, subscription_id: str, delivery_id: str
) -> WebhookDelivery:
    """Queue one delivery's event again, as a new delivery with its own log."""
    sub = await _own(uow, user=user, subscription_id=subscription_id)
    repo = uow.repo(WebhookRepository)
    old = await repo.delivery(delivery_id)
    if old is None or old.subscription_id != sub.id:
        raise DeliveryNotFound()
    row = _copy(old)
    repo.add(row)
    _audit(sub, user=user, action="webhook.resent", after={"delivery_id": delivery_id})
    await uow.commit()
    return row


async def replay(
    uow: UnitOfWork, *, user: Principal, subscription_id: str, since: datetime
) -> list[WebhookDelivery]:
    """Queue again every event the subscription was owed since `since`, oldest first."""
    sub = await _own(uow, user=user, subscription_id=subscription_id)
    repo = uow.repo(WebhookRepository)
    seen: set[str] = set()
    rows: list[WebhookDelivery] = []
    for old in await repo.deliveries_since(subscription_id=sub.id, since=since, limit=REPLAY_LIMIT):
        if old.event_id in seen or old.event_type == TEST_EVENT:
            continue
        seen.add(old.event_id)
        rows.append(_copy(old))
    for row in rows:
        repo.add(row)
    _audit(
        sub,
        user=user,
        action="webhook.replayed",
        after={"since": since.isoformat(), "count": len(rows)},
    )
    await uow.commit()
    return rows


def _copy(old: WebhookDelivery) -> WebhookDelivery:
    return WebhookDelivery(
        subscription_id=old.subscription_id,
        event_id=old.event_id,
        event_type=old.event_type,
        payload=old.payload,
    )


def _audit(
    sub: WebhookSubscription, *, user: Principal, action: str, after: dict[str, object]
) -> None:
    sub.record_audit(actor=user.actor, action=action, after=after)
