"""Thin HTTP routes for partner webhook subscriptions and their delivery log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from servicekit.app import UowDep
from servicekit.auth import ADMIN, WEBHOOKS_MANAGE, Principal, require_scope
from servicekit.idempotency import Idempotent

from ..adapters.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription
from ..service_layer import webhooks
from .deps import Deps

router = APIRouter(prefix="/api/notify/webhooks", tags=["webhooks"])

# an admin, or a partner key created with `webhooks:manage`
Manager = Annotated[Principal, Depends(require_scope(WEBHOOKS_MANAGE, or_roles=(ADMIN,)))]
Patterns = Annotated[list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=50)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    event_types: Patterns
    secret: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", max_length=300)


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: Patterns | None = None
    secret: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=300)
    active: bool | None = None


class WebhookPublic(BaseModel):
    id: str
    owner_id: str
    url: str
    event_types: list[str]
    description: str
    active: bool
    created_at: datetime
    failing_since: datetime | None = None

    @classmethod
    def of(cls, row: WebhookSubscription) -> WebhookPublic:
        """Return the public view (never the secret)."""
        return cls(
            id=row.id,
            owner_id=row.owner_id,
            url=row.url,
            event_types=json.loads(row.event_types),
            description=row.description,
            active=row.active,
            created_at=row.created_at,
            failing_since=row.failing_since,
        )


class WebhookCreated(WebhookPublic):
    # shown once, at creation: the partner verifies `webhook-signature` with it
    secret: str


class WebhooksPublic(BaseModel):
    data: list[WebhookPublic]
    count: int


class AttemptPublic(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: str
    event_id: str
    event_type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    log: list[AttemptPublic]

    @classmethod
    def of(cls, row: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryPublic:
        """Return a delivery with its attempts."""
        return cls(
            id=row.id,
            event_id=row.event_id,
            event_type=row.event_type,
            state=row.state,
            attempts=row.attempts,
            last_status=row.last_status,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            next_attempt_at=row.next_attempt_at if row.state == "pending" else None,
            log=[AttemptPublic.model_validate(a, from_attributes=True) for a in attempts],
        )


class DeliveriesPublic(BaseModel):
    data: list[DeliveryPublic]
    count: int


@router.post("", response_model=WebhookCreated, status_code=201)
async def create_webhook(
    body: WebhookCreate, deps: Deps, uow: UowDep, user: Manager, once: Idempotent
) -> WebhookCreated | Response:
    """Register a webhook endpoint for the events matching its patterns."""

    async def act() -> WebhookCreated:
        row = await webhooks.create(
            uow,
            user=user,
            url=body.url,
            event_types=body.event_types,
            secret=body.secret,
            description=body.description,
            https_only=deps.https_only,
            allow_private=deps.allow_private,
            allow_loopback=deps.allow_loopback,
        )
        return WebhookCreated(**WebhookPublic.of(row).model_dump(), secret=row.secret)

    return await once.run(uow, act)


@router.get("", response_model=WebhooksPublic)
async def list_webhooks(uow: UowDep, user: Manager) -> WebhooksPublic:
    """List the caller's webhook subscriptions (an admin sees all)."""
    rows = await webhooks.listing(uow, user=user)
    return WebhooksPublic(data=[WebhookPublic.of(r) for r in rows], count=len(rows))


@router.get("/{subscription_id}", response_model=WebhookPublic)
async def get_webhook(subscription_id: str, uow: UowDep, user: Manager) -> WebhookPublic:
    """Show one webhook subscription."""
    return WebhookPublic.of(await webhooks.get(uow, user=user, subscription_id=subscription_id))


@router.patch("/{subscription_id}", response_model=WebhookPublic)
async def update_webhook(
    subscription_id: str, body: WebhookUpdate, deps: Deps, uow: UowDep, user: Manager
) -> WebhookPublic:
    """Change a webhook subscription, rotate its secret, or pause it (`active: false`)."""
    row = await webhooks.update(
        uow,
        user=user,
        subscription_id=subscription_id,
        url=body.url,
        event_types=body.event_types,
        secret=body.secret,
        description=body.description,
        active=body.active,
        https_only=deps.https_only,
        allow_private=deps.allow_private,
        allow_loopback=deps.allow_loopback,
        secret_overlap_seconds=deps.settings.webhook_secret_overlap_seconds,
    )
    return WebhookPublic.of(row)


@router.delete("/{subscription_id}", status_code=204)
async def delete_webhook(subscription_id: str, uow: UowDep, user: Manager) -> Response:
    """Remove a webhook subscription; its delivery log stays."""
    await webhooks.delete(uow, user=user, subscription_id=subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", response_model=DeliveriesPublic)
async def list_deliveries(
    subscription_id: str, uow: UowDep, user: Manager, limit: int = Query(50, ge=1, le=200)
) -> DeliveriesPublic:
    """List a subscription's newest deliveries with every attempt."""
    rows = await webhooks.deliveries(uow, user=user, subscription_id=subscription_id, limit=limit)
    data = [DeliveryPublic.of(d, a) for d, a in rows]
    return DeliveriesPublic(data=data, count=len(data))
