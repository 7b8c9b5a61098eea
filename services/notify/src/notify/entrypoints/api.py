"""Thin HTTP routes of the notify service."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel
from servicekit.app import UowDep
from servicekit.auth import CurrentUser

from ..service_layer import handlers

router = APIRouter(prefix="/api/notify", tags=["notify"])


class NotificationPublic(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    created_at: datetime
    read_at: datetime | None


class NotificationsPublic(BaseModel):
    data: list[NotificationPublic]
    count: int


@router.get("/notifications", response_model=NotificationsPublic)
async def list_notifications(
    uow: UowDep,
    user: CurrentUser,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
) -> NotificationsPublic:
    """List the caller's notifications, newest first."""
    rows = await handlers.list_notifications(uow, user=user, unread_only=unread, limit=limit)
    data = [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]
    return NotificationsPublic(data=data, count=len(data))


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic)
async def mark_read(notification_id: str, uow: UowDep, user: CurrentUser) -> NotificationPublic:
    """Mark one notification read."""
    n = await handlers.mark_read(uow, user=user, notification_id=notification_id)
    return NotificationPublic.model_validate(n, from_attributes=True)
