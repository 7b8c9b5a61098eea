"""Use cases: partners and admins manage webhook subscriptions and read their delivery log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from servicekit.auth import ADMIN, Principal
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork

from ..adapters.net import resolves_to_private
from ..adapters.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription
from ..adapters.webhook_repository import WebhookRepository
from ..domain.webhooks import (
    WebhookNotFound,
    WebhookUrlPrivate,
    check_subscription,
    new_secret,
)


async def _check_target(url: str | None, *, allow_private: bool, allow_loopback: bool) -> None:
    host = urlsplit(url).hostname if url else None
    if host and await resolves_to_private(
        host, allow_private=allow_private, allow_loopback=allow_loopback
    ):
        raise WebhookUrlPrivate()


async def _own(uow: UnitOfWork, *, user: Principal, subscription_id: str) -> WebhookSubscription:
    row = await uow.repo(WebhookRepository).subscription(subscription_id)
    if row is None or not (user.has(ADMIN) or row.owner_id == user.id):
        raise WebhookNotFound()
    return row


async def create(
    uow: UnitOfWork,
    *,
    user: Principal,
    url: str,
    event_types: Sequence[str],
    secret: str | None,
    description: str,
    https_only: bool,
    allow_private: bool,
    allow_loopback: bool = False,
) -> WebhookSubscription:
    """Register an endpoint for the events matching `event_types`; generate a secret if none."""
    check_subscription(url=url, patterns=event_types, secret=secret, https_only=https_only)
    await _check_target(url, allow_private=allow_private, allow_loopback=allow_loopback)
    row = WebhookSubscription(
        owner_id=user.id,
        url=url,
        event_types=json.dumps(sorted(set(event_types))),
        secret=secret or new_secret(),
        description=description,
    )
    uow.repo(WebhookRepository).add(row)
    row.record_audit(actor=user.actor, action="webhook.created")
    await uow.commit()
    return row


async def listing(uow: UnitOfWork, *, user: Principal) -> list[WebhookSubscription]:
    """Return the caller's subscriptions (an admin sees everyone's)."""
    owner = None if user.has(ADMIN) else user.id
    return await uow.repo(WebhookRepository).subscriptions(owner_id=owner)


async def get(uow: UnitOfWork, *, user: Principal, subscription_id: str) -> WebhookSubscription:
    """Return one of the caller's subscriptions."""
    return await _own(uow, user=user, subscription_id=subscription_id)


async def update(
    uow: UnitOfWork,
    *,
    user: Principal,
    subscription_id: str,
    url: str | None,
    event_types: Sequence[str] | None,
    secret: str | None,
    description: str | None,
    active: bool | None,
    https_only: bool,
    allow_private: bool,
    allow_loopback: bool = False,
    secret_overlap_seconds: float = 0.0,
) -> WebhookSubscription:
    """Change a subscription's endpoint, event types, secret, description or pause it.

    A new secret signs at once; the old one also signs for `secret_overlap_seconds`, so the
    partner can switch its verifier over without losing a delivery.
    """
    row = await _own(uow, user=user, subscription_id=subscription_id)
    check_subscription(url=url, patterns=event_types, secret=secret, https_only=https_only)
    await _check_target(url, allow_private=allow_private, allow_loopback=allow_loopback)
    before = row.audit_snapshot()
    if url is not None:
        row.url = url
    if event_types is not None:
        row.event_types = json.dumps(sorted(set(event_types)))
    if secret is not None and secret != row.secret:
        row.previous_secret = row.secret
        row.previous_secret_until = utcnow() + timedelta(seconds=secret_overlap_seconds)
        row.secret = secret
    if description is not None:
        row.description = description
    if active is not None:
        row.active = active
    after = row.audit_snapshot() | ({"secret": "rotated"} if secret is not None else {})
    row.record_audit(actor=user.actor, action="webhook.updated", before=before, after=after)
    await uow.commit()
    return row


async def delete(uow: UnitOfWork, *, user: Principal, subscription_id: str) -> None:
    """Remove a subscription; deliveries still owed to it are cancelled, the log is kept."""
    row = await _own(uow, user=user, subscription_id=subscription_id)
    row.deleted_at = utcnow()
    row.active = False
    await uow.repo(WebhookRepository).cancel_pending(row.id)
    # the snapshot as deleted (inactive) is its last state; nothing comes after
    row.record_audit(
        actor=user.actor, action="webhook.deleted", before=row.audit_snapshot(), after=None
    )
    await uow.commit()


async def deliveries(
    uow: UnitOfWork, *, user: Principal, subscription_id: str, limit: int
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """Return a subscription's newest deliveries, each with its attempts."""
    await _own(uow, user=user, subscription_id=subscription_id)
    repo = uow.repo(WebhookRepository)
    rows = await repo.deliveries(subscription_id=subscription_id, limit=limit)
    by_delivery: dict[str, list[WebhookAttempt]] = {r.id: [] for r in rows}
    for a in await repo.attempts([r.id for r in rows]):
        by_delivery[a.delivery_id].append(a)
    return [(r, by_delivery[r.id]) for r in rows]
