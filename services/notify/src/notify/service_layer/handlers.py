"""Use cases: record what an event causes; list and read one's notifications."""

from __future__ import annotations

import json

from lexseal_events import PARTNER_EVENT_TYPES, CloudEvent, SmsRequested
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.message_repository import MessageRepository
from ..adapters.repository import NotificationRepository
from ..adapters.tables import (
    ContactPoint,
    Notification,
    OutgoingMessage,
    PartnerBusMessage,
    WebhookDelivery,
)
from ..adapters.webhook_repository import WebhookRepository
from ..domain.messages import Message, messages_for
from ..domain.redaction import partner_payload
from ..domain.webhooks import matches


async def record_event(uow: UnitOfWork, event: CloudEvent) -> int:
    """Add the in-app messages, e-mail/SMS copies and webhook deliveries `event` causes."""
    if isinstance(event, SmsRequested):
        # A text for a counterparty (one-time code, reminder): the SMS port only, never a
        # partner webhook, since it carries the full number and perhaps a code.
        d = event.data
        uow.repo(MessageRepository).add(
            OutgoingMessage(
                channel="sms",
                recipient_user_id=f"counterparty:{d.envelope_id}",
                address=d.to,
                subject=d.purpose,
                body=d.text,
                event_id=event.id,
            )
        )
        return 0
    repo = uow.repo(NotificationRepository)
    messages = messages_for(event)
    for m in messages:
        repo.add(
            Notification(
                recipient_user_id=m.user_id,
                recipient_role=m.role,
                kind=m.kind,
                title=m.title,
                body=m.body,
                title_en=m.title_en or None,
                body_en=m.body_en or None,
                subject_type=m.subject_type,
                subject_id=m.subject_id,
                event_id=event.id,
            )
        )
        await _queue_copies(uow, m, event_id=event.id)
    await _queue_webhooks(uow, event)
    return len(messages)


async def _queue_copies(uow: UnitOfWork, m: Message, *, event_id: str) -> None:
    repo = uow.repo(MessageRepository)
    contacts: list[ContactPoint] = []
    if m.user_id:
        c = await repo.contact(m.user_id)
        contacts = [c] if c else []
    elif m.role:
        contacts = await repo.contacts_with_role(m.role)
    for c in contacts:
        for channel, address in (("email", c.email), ("sms", c.mobile)):
            if address:
                repo.add(
                    OutgoingMessage(
                        channel=channel,
                        recipient_user_id=c.user_id,
                        address=address,
                        subject=m.title,
                        body=f"{m.title}\n\n{m.body}",
                        event_id=event_id,
                    )
                )


async def _queue_webhooks(uow: UnitOfWork, event: CloudEvent) -> None:
    repo = uow.repo(WebhookRepository)
    # Partners are outside the firm: they never receive full ID or account numbers.
    payload = partner_payload(event)
    if event.type in PARTNER_EVENT_TYPES:
        # the partner bus carries exactly what the webhooks do; published after commit
        repo.add(PartnerBusMessage(event_id=event.id, event_type=event.type, payload=payload))
    # a paused subscription queues its deliveries: resuming sends them, oldest first
    for sub in await repo.subscriptions(owner_id=None):
        if matches(json.loads(sub.event_types), event.type):
            repo.add(
                WebhookDelivery(
                    subscription_id=sub.id,
                    event_id=event.id,
                    event_type=event.type,
                    payload=payload,
                )
            )


async def list_notifications(
    uow: UnitOfWork, *, user: Principal, unread_only: bool, limit: int
) -> list[Notification]:
    """Return the caller's newest notifications."""
    return await uow.repo(NotificationRepository).for_user(
        user_id=user.id, roles=user.roles, unread_only=unread_only, limit=limit
    )


async def mark_read(uow: UnitOfWork, *, user: Principal, notification_id: str) -> Notification:
    """Mark one of the caller's notifications read."""
    repo = uow.repo(NotificationRepository)
    n = await repo.get(notification_id)
    if n is None or not (n.recipient_user_id == user.id or (n.recipient_role in user.roles)):
        raise NotFound()
    if n.read_at is None:
        n.read_at = utcnow()
        await uow.commit()
    return n
