"""Use cases: a user's e-mail/SMS contact point; the admin's view of outgoing messages."""

from __future__ import annotations

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.message_repository import MessageRepository
from ..adapters.tables import ContactPoint, OutgoingMessage


async def get_contact(uow: UnitOfWork, *, user: Principal) -> ContactPoint:
    """Return the caller's contact point (empty when never set)."""
    found = await uow.repo(MessageRepository).contact(user.id)
    return found or ContactPoint(user_id=user.id)


async def set_contact(
    uow: UnitOfWork, *, user: Principal, email: str | None, mobile: str | None
) -> ContactPoint:
    """Save where the caller wants copies of their notifications, with the roles they hold now."""
    repo = uow.repo(MessageRepository)
    row = await repo.contact(user.id)
    before = None if row is None else row.audit_snapshot()
    if row is None:
        row = ContactPoint(user_id=user.id)
        repo.add(row)
    row.email, row.mobile = email, mobile
    row.roles = "|" + "|".join(sorted(user.roles)) + "|"
    row.updated_at = utcnow()
    row.record_audit(actor=user.actor, action="contact.updated", before=before)
    await uow.commit()
    return row


async def recent_outgoing(uow: UnitOfWork, *, limit: int) -> list[OutgoingMessage]:
    """Return the newest e-mails and SMS, sent or waiting."""
    return await uow.repo(MessageRepository).recent(limit=limit)
