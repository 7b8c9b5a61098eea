"""Thin HTTP routes of the notify service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from servicekit.app import UowDep
from servicekit.auth import ADMIN, CurrentUser, Principal, require_roles
from servicekit.errors import preferred_language

from ..adapters.tables import Notification, OutgoingMessage
from ..service_layer import contacts, handlers
from .deps import Deps

router = APIRouter(prefix="/api/notify", tags=["notify"])

Admin = Annotated[Principal, Depends(require_roles(ADMIN))]


class NotificationPublic(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    created_at: datetime
    read_at: datetime | None


def _notification(n: Notification, lang: str) -> NotificationPublic:
    """Render a notification in the reader's language (Accept-Language; Chinese by default)."""
    title, body = n.text(lang)
    return NotificationPublic(
        id=n.id,
        kind=n.kind,
        title=title,
        body=body,
        subject_type=n.subject_type,
        subject_id=n.subject_id,
        created_at=n.created_at,
        read_at=n.read_at,
    )


class NotificationsPublic(BaseModel):
    data: list[NotificationPublic]
    count: int


@router.get("/notifications", response_model=NotificationsPublic)
async def list_notifications(
    request: Request,
    uow: UowDep,
    user: CurrentUser,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
) -> NotificationsPublic:
    """List the caller's notifications, newest first."""
    rows = await handlers.list_notifications(uow, user=user, unread_only=unread, limit=limit)
    lang = preferred_language(request)
    data = [_notification(r, lang) for r in rows]
    return NotificationsPublic(data=data, count=len(data))


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic)
async def mark_read(
    notification_id: str, request: Request, uow: UowDep, user: CurrentUser
) -> NotificationPublic:
    """Mark one notification read."""
    n = await handlers.mark_read(uow, user=user, notification_id=notification_id)
    return _notification(n, preferred_language(request))


class ContactUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    mobile: str | None = Field(default=None, pattern=r"^\+?[0-9]{6,20}$")


class ContactPublic(BaseModel):
    email: str | None
    mobile: str | None


@router.get("/contact", response_model=ContactPublic)
async def get_contact(uow: UowDep, user: CurrentUser) -> ContactPublic:
    """Show where the caller receives e-mail / SMS copies of their notifications."""
    c = await contacts.get_contact(uow, user=user)
    return ContactPublic(email=c.email, mobile=c.mobile)


@router.put("/contact", response_model=ContactPublic)
async def set_contact(body: ContactUpdate, uow: UowDep, user: CurrentUser) -> ContactPublic:
    """Set where the caller receives e-mail / SMS copies (empty fields switch a channel off)."""
    c = await contacts.set_contact(
        uow, user=user, email=body.email or None, mobile=body.mobile or None
    )
    return ContactPublic(email=c.email, mobile=c.mobile)


class OutgoingMessagePublic(BaseModel):
    id: str
    channel: str
    provider: str | None
    sandbox: bool
    recipient_user_id: str
    address: str
    subject: str
    body: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutgoingMessagesPublic(BaseModel):
    data: list[OutgoingMessagePublic]
    count: int
    # the configured providers, so an operator sees at a glance that nothing really leaves
    providers: dict[str, str]
    notice: str


def _outgoing(row: OutgoingMessage, providers: dict[str, str]) -> OutgoingMessagePublic:
    provider = row.provider or providers.get(row.channel)
    return OutgoingMessagePublic(
        id=row.id,
        channel=row.channel,
        provider=provider,
        sandbox=provider == "sandbox",
        recipient_user_id=row.recipient_user_id,
        address=row.address,
        subject=row.subject,
        body=row.body,
        state=row.state,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


@router.get("/outbox-messages", response_model=OutgoingMessagesPublic)
async def outbox_messages(
    deps: Deps, uow: UowDep, user: Admin, limit: int = Query(100, ge=1, le=500)
) -> OutgoingMessagesPublic:
    """List the newest e-mails and SMS (sandbox ones were recorded here instead of sent)."""
    providers = deps.providers
    rows = await contacts.recent_outgoing(uow, limit=limit)
    data = [_outgoing(r, providers) for r in rows]
    sandboxed = sorted(k for k, p in providers.items() if p == "sandbox")
    notice = (
        f"SANDBOX: {', '.join(sandboxed)} messages are recorded here and NOT sent "
        "(沙箱：仅记录，未实际发送)"
        if sandboxed
        else "All channels send for real"
    )
    return OutgoingMessagesPublic(data=data, count=len(data), providers=providers, notice=notice)
