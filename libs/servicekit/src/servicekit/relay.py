"""The outbox relay: publishes committed events with publisher confirms, then marks them sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from .db import utcnow
from .messaging import declare_exchange
from .metrics import OUTBOX_PUBLISHED, OUTBOX_RELAY_ERRORS
from .tables import OutboxMessage

log = logging.getLogger("servicekit.relay")


class OutboxRelay:
    """Drain the outbox in batches; safe with several replicas (SKIP LOCKED on PostgreSQL)."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        amqp_url: str,
        exchange: str,
        skip_locked: bool,
        batch: int = 100,
        poll_interval: float = 0.5,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._amqp_url = amqp_url
        self._exchange_name = exchange
        self._skip_locked = skip_locked
        self._batch = batch
        self._poll = poll_interval
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._stopping = False

    def wake(self) -> None:
        """Ask the relay to look at the outbox now (called after a commit with events)."""
        self._wakeup.set()

    @property
    def connected(self) -> bool:
        """Tell whether the relay holds an open broker connection."""
        return self._connection is not None and not self._connection.is_closed

    async def start(self) -> None:
        """Connect to the broker and start the background drain loop."""
        self._connection = await aio_pika.connect_robust(self._amqp_url)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await declare_exchange(channel, self._exchange_name)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop the loop after the batch in flight and close the connection."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None:
            await self._connection.close()

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            try:
                sent = await self.drain_once()
                backoff = 0.2
                if sent >= self._batch:
                    continue  # more may be waiting: no sleep between full batches
            except asyncio.CancelledError:
                raise
            except Exception:
                # Broker or database trouble: nothing is marked sent, so the batch is
                # retried; consumers are idempotent, so a re-publish is harmless.
                OUTBOX_RELAY_ERRORS.inc()
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)

    async def drain_once(self) -> int:
        """Publish one batch of unsent events and mark them sent; return how many."""
        if self._exchange is None:
            raise RuntimeError("relay not started")
        exchange = self._exchange
        async with self._sessionmaker() as session, session.begin():
            stmt = (
                select(
                    col(OutboxMessage.id),
                    col(OutboxMessage.type),
                    col(OutboxMessage.payload),
                    col(OutboxMessage.correlation_id),
                    col(OutboxMessage.created_at),
                )
                .where(col(OutboxMessage.published_at).is_(None))
                .order_by(col(OutboxMessage.created_at))
                .limit(self._batch)
            )
            if self._skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = (await session.execute(stmt)).all()
            if not rows:
                return 0
            # Confirms are pipelined: the whole batch is in flight at once.
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            body=row.payload.encode(),
                            content_type="application/cloudevents+json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            message_id=row.id,
                            correlation_id=row.correlation_id or None,
                            type=row.type,
                            timestamp=row.created_at.replace(tzinfo=UTC)
                            if row.created_at.tzinfo is None
                            else row.created_at,
                        ),
                        routing_key=row.type,
                    )
                    for row in rows
                )
            )
            ids = [row.id for row in rows]
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .values(published_at=utcnow())
            )
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)
