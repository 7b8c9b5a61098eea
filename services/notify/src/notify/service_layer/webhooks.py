"""Use cases: partners and admins manage webhook subscriptions and read their delivery log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from servicekit.auth import ADMIN, Principal
from servicekit.db import utcnow
from servicekit.errors import Invalid, NotFound
from servicekit.uow import UnitOfWork

from ..adapters.net import resolves_to_private
from ..adapters.tables import WebhookAttempt, WebhookDelivery, WebhookSubscription
from ..adapters.webhook_repository import WebhookRepository
from ..domain.webhooks import new_secret, valid_pattern, valid_secret


def _snapshot(row: WebhookSubscription) -> dict[str, Any]:
    # Never the secret: the audit log is read by people who must not sign as the partner.
    return {
        "url": row.url,
        "event_types": json.loads(row.event_types),
        "active": row.active,
        "description": row.description,
    }


def _check(
    *, url: str | None, patterns: Sequence[str] | None, secret: str | None, https_only: bool
) -> None:
    if url is not None:
        parts = urlsplit(url)
        allowed = ("https",) if https_only else ("http", "https")
        if parts.scheme not in allowed or not parts.hostname:
            raise Invalid(
                "The URL must be an absolute http(s) URL",
                "回调地址须为完整的 http(s) 地址",
                code="webhook_url_invalid",
                details={"allowed_schemes": list(allowed)},
            )
    if patterns is not None:
        bad = [p for p in patterns if not valid_pattern(p)]
        if not patterns or bad:
            raise Invalid(
                "Give event types such as contract.* or signing.completed",
                "请填写事件类型，例如 contract.* 或 signing.completed",
                code="webhook_event_types_invalid",
                details={"invalid": bad},
            )
    if secret is not None and not valid_secret(secret):
        raise Invalid(
            "The secret must be whsec_ followed by base64 of 24-64 bytes",
            "密钥格式须为 whsec_ 加 24-64 字节的 base64",
            code="webhook_secret_invalid",
        )


async def _check_target(url: str | None, *, allow_private: bool, allow_loopback: bool) -> None:
    host = urlsplit(url).hostname if url else None
    if host and await resolves_to_private(
        host, allow_private=allow_private, allow_loopback=allow_loopback
    ):
        raise Invalid(
            "The URL points into a private network",
            "回调地址不能指向内网地址",
            code="webhook_url_private",
        )


async def _own(uow: UnitOfWork, *, user: Principal, subscription_id: str) -> WebhookSubscription:
    row = await WebhookRepository(uow.session).subscription(subscription_id)
    if row is None or not (user.has(ADMIN) or row.owner_id == user.id):
        raise NotFound("Webhook not found", "回调订阅不存在", code="webhook_not_found")
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
    _check(url=url, patterns=event_types, secret=secret, https_only=https_only)
    await _check_target(url, allow_private=allow_private, allow_loopback=allow_loopback)
    row = WebhookSubscription(
        owner_id=user.id,
        url=url,
        event_types=json.dumps(sorted(set(event_types))),
        secret=secret or new_secret(),
        description=description,
    )
    WebhookRepository(uow.session).add(row)
    uow.audit(
        actor=user.actor,
        action="webhook.created",
        object_type="webhook_subscription",
        object_id=row.id,
        after=_snapshot(row),
    )
    await uow.commit()
    return row


async def listing(uow: UnitOfWork, *, user: Principal) -> list[WebhookSubscription]:
    """Return the caller's subscriptions (an admin sees everyone's)."""
    owner = None if user.has(ADMIN) else user.id
    return await WebhookRepository(uow.session).subscriptions(owner_id=owner)


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
    _check(url=url, patterns=event_types, secret=secret, https_only=https_only)
    await _check_target(url, allow_private=allow_private, allow_loopback=allow_loopback)
    before = _snapshot(row)
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
    after = _snapshot(row) | ({"secret": "rotated"} if secret is not None else {})
    uow.audit(
        actor=user.actor,
        action="webhook.updated",
        object_type="webhook_subscription",
        object_id=row.id,
        before=before,
        after=after,
    )
    await uow.commit()
    return row


async def delete(uow: UnitOfWork, *, user: Principal, subscription_id: str) -> None:
    """Remove a subscription; deliveries still owed to it are cancelled, the log is kept."""
    repo = WebhookRepository(uow.session)
    row = await _own(uow, user=user, subscription_id=subscription_id)
    row.deleted_at = utcnow()
    row.active = False
    await repo.cancel_pending(row.id)
    uow.audit(
        actor=user.actor,
        action="webhook.deleted",
        object_type="webhook_subscription",
        object_id=row.id,
        before=_snapshot(row),
    )
    await uow.commit()


async def deliveries(
    uow: UnitOfWork, *, user: Principal, subscription_id: str, limit: int
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """Return a subscription's newest deliveries, each with its attempts."""
    await _own(uow, user=user, subscription_id=subscription_id)
    repo = WebhookRepository(uow.session)
    rows = await repo.deliveries(subscription_id=subscription_id, limit=limit)
    by_delivery: dict[str, list[WebhookAttempt]] = {r.id: [] for r in rows}
    for a in await repo.attempts([r.id for r in rows]):
        by_delivery[a.delivery_id].append(a)
    return [(r, by_delivery[r.id]) for r in rows]
