"""Use cases of the background senders: POST due webhooks, send due e-mails and SMS."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from prometheus_client import Counter
from servicekit.db import utcnow
from servicekit.uow import UnitOfWork, UowFactory

from ..adapters.channels import Channel, ChannelError, Outgoing
from ..adapters.message_repository import MessageRepository
from ..adapters.net import resolves_to_private
from ..adapters.tables import Notification, WebhookAttempt, WebhookDelivery, WebhookSubscription
from ..adapters.webhook_client import PostResult, post_event
from ..adapters.webhook_repository import WebhookRepository
from ..config import Settings
from ..domain.webhooks import next_state, retry_delay

PRIVATE_TARGET = "webhook_url_private"

# one per attempt, counted once its record is committed: delivered | retrying (failed, will
# be tried again) | failed (out of attempts) | refused (its host resolved into a refused range)
WEBHOOK_DELIVERIES = Counter(
    "lexseal_webhook_deliveries_total", "Webhook delivery attempts, by outcome", ["outcome"]
)


async def deliver_due_webhooks(
    *, uow_factory: UowFactory, client: httpx.AsyncClient, settings: Settings
) -> int:
    """POST every due webhook delivery once; record the attempt; return how many were tried."""
    now = utcnow()
    async with uow_factory() as uow:
        claimed = await uow.repo(WebhookRepository).claim_due(
            now=now,
            lease_until=now + timedelta(seconds=settings.dispatch_lease_seconds),
            limit=settings.dispatch_batch,
        )
        await uow.commit()
    jobs = [(d.id, s.url, _secrets(s, now), d.event_id, d.payload.encode()) for d, s in claimed]
    # one subscription's deliveries go one after another, oldest first (a resumed queue
    # arrives in order); different subscriptions' go side by side
    lanes: dict[str, list[int]] = {}
    for i, (_, s) in enumerate(claimed):
        lanes.setdefault(s.id, []).append(i)
    results: list[PostResult | None] = [None] * len(jobs)

    async def lane(indexes: list[int]) -> None:
        for i in indexes:
            _, url, secrets, eid, body = jobs[i]
            results[i] = await _post(
                client, settings=settings, url=url, secrets=secrets, msg_id=eid, body=body
            )

    await asyncio.gather(*(lane(ix) for ix in lanes.values()))
    if jobs:
        # One transaction records the whole batch: a commit per delivery would halve throughput.
        outcomes: list[str] = []
        async with uow_factory() as uow:
            for (delivery_id, *_), result in zip(jobs, results, strict=True):
                if result is None:  # pragma: no cover - every lane runs to its end
                    continue
                outcome = await _record_webhook(
                    uow, delivery_id=delivery_id, result=result, settings=settings
                )
                if outcome is not None:
                    outcomes.append(outcome)
            await uow.commit()
            for outcome in outcomes:
                WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
    return len(jobs)


def _secrets(sub: WebhookSubscription, now: datetime) -> list[str]:
    """Return the secrets a delivery is signed with: the current one, and the old one in overlap."""
    if sub.previous_secret and sub.previous_secret_until and sub.previous_secret_until > now:
        return [sub.secret, sub.previous_secret]
    return [sub.secret]


async def _post(
    client: httpx.AsyncClient,
    *,
    settings: Settings,
    url: str,
    secrets: list[str],
    msg_id: str,
    body: bytes,
) -> PostResult:
    """POST one delivery unless its host now resolves into a refused range (DNS rebinding)."""
    host = urlsplit(url).hostname
    if host and await resolves_to_private(
        host,
        allow_private=settings.webhook_allow_private_targets,
        allow_loopback=settings.webhook_allow_loopback_targets,
    ):
        return PostResult(False, None, f"{PRIVATE_TARGET}: {host} resolves into a refused range", 0)
    return await post_event(client, url=url, secrets=secrets, msg_id=msg_id, body=body)


async def _record_webhook(
    uow: UnitOfWork, *, delivery_id: str, result: PostResult, settings: Settings
) -> str | None:
    """Record one attempt; return its outcome for the metric (None: nothing recorded)."""
    repo = uow.repo(WebhookRepository)
    d = await repo.delivery(delivery_id)
    if d is None or d.state != "pending":
        return None
    d.attempts += 1
    d.last_status, d.last_error = result.status_code, result.error
    d.state = next_state(
        ok=result.ok, attempts=d.attempts, max_attempts=settings.webhook_max_attempts
    )
    now = utcnow()
    if d.state == "delivered":
        d.delivered_at = now
        sub = await repo.subscription(d.subscription_id)
        if sub is not None:
            sub.failing_since = None
    elif d.state == "failed":
        await _mark_failing(repo, delivery=d, now=now)
    elif d.state == "pending":
        wait = retry_delay(
            attempts=d.attempts,
            base=settings.webhook_backoff_base,
            cap=settings.webhook_backoff_max,
        )
        d.next_attempt_at = now + timedelta(seconds=wait)
    repo.add(
        WebhookAttempt(
            delivery_id=d.id,
            at=now,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    if d.state in ("delivered", "failed"):
        return d.state
    return "refused" if (result.error or "").startswith(PRIVATE_TARGET) else "retrying"


async def _mark_failing(
    repo: WebhookRepository, *, delivery: WebhookDelivery, now: datetime
) -> None:
    """Mark the subscription failing and tell its owner, once per failing spell."""
    sub = await repo.subscription(delivery.subscription_id)
    if sub is None or sub.failing_since is not None:
        return
    sub.failing_since = now
    repo.add(
        Notification(
            recipient_user_id=sub.owner_id,
            kind="webhook.failing",
            title="Webhook 投递失败",
            body=(
                f"{sub.url} 未接收 {delivery.event_type}（{delivery.event_id}），已尝试 "
                f"{delivery.attempts} 次：{delivery.last_error or '-'}"
            )[:2000],
            title_en="Webhook failing",
            body_en=(
                f"{sub.url} did not accept {delivery.event_type} ({delivery.event_id}) after "
                f"{delivery.attempts} attempts: {delivery.last_error or '-'}"
            )[:2000],
            subject_type="webhook",
            subject_id=sub.id,
            event_id=delivery.event_id,
        )
    )


async def send_due_messages(
    *, uow_factory: UowFactory, channels: Mapping[str, Channel], settings: Settings
) -> int:
    """Send every due e-mail / SMS once through its channel; return how many were tried."""
    now = utcnow()
    async with uow_factory() as uow:
        claimed = await uow.repo(MessageRepository).claim_due(
            now=now,
            lease_until=now + timedelta(seconds=settings.dispatch_lease_seconds),
            limit=settings.dispatch_batch,
        )
        await uow.commit()
    for m in claimed:
        channel = channels[m.channel]
        error: str | None = None
        try:
            await channel.send(Outgoing(address=m.address, subject=m.subject, body=m.body))
        except ChannelError as exc:
            error = str(exc)
        async with uow_factory() as uow:
            row = await uow.repo(MessageRepository).outgoing(m.id)
            if row is None or row.state != "pending":
                continue
            row.attempts += 1
            row.provider, row.last_error = channel.provider, error
            row.state = (
                "sent"
                if error is None
                else next_state(
                    ok=False, attempts=row.attempts, max_attempts=settings.message_max_attempts
                )
            )
            if error is None:
                row.sent_at = utcnow()
            elif row.state == "pending":
                wait = retry_delay(attempts=row.attempts, base=60.0, cap=3600.0)
                row.next_attempt_at = utcnow() + timedelta(seconds=wait)
            await uow.commit()
    return len(claimed)
