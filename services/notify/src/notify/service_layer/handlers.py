"""Use cases: record the messages an event causes; list and read one's notifications."""

from __future__ import annotations

from lexseal_events import CloudEvent
from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.errors import NotFound
from servicekit.uow import UnitOfWork

from ..adapters.repository import NotificationRepository
from ..adapters.tables import Notification
from ..domain.messages import messages_for


async def record_event(uow: UnitOfWork, event: CloudEvent) -> int:
    """Add the in-app messages `event` causes; return how many."""
    repo = NotificationRepository(uow.session)
    messages = messages_for(event)
    for m in messages:
        repo.add(
            Notification(
                recipient_user_id=m.user_id,
                recipient_role=m.role,
                kind=m.kind,
                title=m.title,
                body=m.body,
                subject_type=m.subject_type,
                subject_id=m.subject_id,
                event_id=event.id,
            )
        )
    return len(messages)


async def list_notifications(
    uow: UnitOfWork, *, user: Principal, unread_only: bool, limit: int
) -> list[Notification]:
    """Return the caller's newest notifications."""
    return await NotificationRepository(uow.session).for_user(
        user_id=user.id, roles=user.roles, unread_only=unread_only, limit=limit
    )


async def mark_read(uow: UnitOfWork, *, user: Principal, notification_id: str) -> Notification:
    """Mark one of the caller's notifications read."""
    repo = NotificationRepository(uow.session)
    n = await repo.get(notification_id)
    if n is None or not (n.recipient_user_id == user.id or (n.recipient_role in user.roles)):
        raise NotFound()
    if n.read_at is None:
        n.read_at = utcnow()
        await uow.commit()
    return n
