"""The outbox relay: publishes committed events with publisher confirms, then marks them sent.

Two paths publish the same table:
- the fast path: right after a commit, the unit of work hands this process's relay the rows
  it just committed; they are published at once (no database read before publishing). They
  are marked sent afterwards, many at a time (one UPDATE every `mark_interval`, or when a
  batch is full): a transaction per publish doubled the database work of a writer and
  delayed the next publish. This is what keeps commit → consumer latency low.
- the sweep: every poll interval, rows still unsent after a grace period (the process died
  before publishing, the broker was down, another replica's rows) are locked with
  `FOR UPDATE SKIP LOCKED`, published and marked sent. Nothing committed is ever lost.
A row may occasionally be published twice (a crash between confirm and mark, or a mark that
failed); consumers are idempotent, so that changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, timedelta

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db import utcnow
from .messaging import declare_exchange
from .metrics import OUTBOX_PUBLISHED, OUTBOX_RELAY_ERRORS
from .tables import OutboxMessage, OutboxRow

log = logging.getLogger("servicekit.relay")

# Core statements on the table: the ORM's bulk UPDATE (session synchronisation) and row
# processing cost a fifth of the relay's time in a profile of a backlog drain.
_T = OutboxMessage.__table__  # type: ignore[attr-defined]


class OutboxRelay:
    """Publish committed events fast, and sweep anything left behind; safe with replicas."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        amqp_url: str,
        exchange: str,
        skip_locked: bool,
        batch: int = 500,
        poll_interval: float = 0.5,
        sweep_grace: float = 2.0,
        mark_interval: float = 0.2,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._amqp_url = amqp_url
        self._exchange_name = exchange
        self._skip_locked = skip_locked
        self._batch = batch
        self._poll = poll_interval
        self._grace = sweep_grace
        self._mark_interval = min(mark_interval, sweep_grace / 4)  # marked before swept
        self._wakeup = asyncio.Event()
        self._fresh: list[OutboxRow] = []
        self._unmarked: list[str] = []  # published by the fast path, not yet marked sent
        self._mark_due = 0.0  # when the oldest of them must be marked (monotonic)
        self._task: asyncio.Task[None] | None = None
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._stopping = False

    def committed(self, rows: Sequence[OutboxRow]) -> None:
        """Take rows the unit of work has just committed, to publish them right away."""
        self._fresh.extend(rows)
        self._wakeup.set()

    @property
    def connected(self) -> bool:
        """Tell whether the relay holds an open broker connection."""
        return self._connection is not None and not self._connection.is_closed

    async def start(self) -> None:
        """Connect to the broker and start the background loop."""
        self._connection = await aio_pika.connect_robust(self._amqp_url)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await declare_exchange(channel, self._exchange_name)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop the loop and close the connection (unsent rows stay for the sweep)."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await self._mark_published()
        except Exception:  # the rows are published again by a sweep: harmless
            log.warning("could not mark %d published rows sent", len(self._unmarked))
        if self._connection is not None:
            await self._connection.close()

    async def _run(self) -> None:
        backoff = 0.2
        last_sweep = 0.0
        while not self._stopping:
            # Clear before working: a commit that wakes us meanwhile must not be lost.
            self._wakeup.clear()
            try:
                if self._fresh:
                    await self._publish_fresh()
                if self._unmarked and (
                    len(self._unmarked) >= self._batch or time.monotonic() >= self._mark_due
                ):
                    await self._mark_published()
                if self._fresh:
                    continue
                if time.monotonic() - last_sweep >= self._poll:
                    swept = await self.drain_once(min_age=self._grace)
                    while swept >= self._batch and not self._fresh:
                        # A backlog: two batches in flight, so one's database round trips
                        # overlap the other's publisher confirms (SKIP LOCKED keeps them apart).
                        lanes = 2 if self._skip_locked else 1  # SQLite has no SKIP LOCKED
                        counts = await asyncio.gather(
                            *(self.drain_once(min_age=self._grace) for _ in range(lanes))
                        )
                        swept = max(counts)
                    last_sweep = time.monotonic()
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:
                # Nothing is marked sent unless confirmed; the sweep retries what is left.
                OUTBOX_RELAY_ERRORS.inc()
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                # the sweep publishes these after the grace period
                self._fresh.clear()
                self._unmarked.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            timeout = self._poll
            if self._unmarked:
                timeout = max(0.0, min(timeout, self._mark_due - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=timeout)

    async def _publish_fresh(self) -> None:
        rows, self._fresh = self._fresh[: self._batch], self._fresh[self._batch :]
        await self._publish(rows)
        OUTBOX_PUBLISHED.inc(len(rows))
        if not self._unmarked:
            self._mark_due = time.monotonic() + self._mark_interval
        self._unmarked.extend(r.id for r in rows)

    async def _mark_published(self) -> None:
        """Mark what the fast path published as sent, in one statement."""
        if not self._unmarked:
            return
        ids, self._unmarked = self._unmarked, []
        async with self._sessionmaker() as session, session.begin():
            await self._mark_sent(session, ids)

    async def drain_once(self, *, min_age: float = 0.0) -> int:
        """Publish one batch of unsent rows older than `min_age` seconds; return how many."""
        async with self._sessionmaker() as session, session.begin():
            stmt = (
                select(_T.c.id, _T.c.type, _T.c.payload, _T.c.correlation_id, _T.c.created_at)
                .where(_T.c.published_at.is_(None))
                .order_by(_T.c.created_at)
                .limit(self._batch)
            )
            if min_age > 0:
                cutoff = utcnow() - timedelta(seconds=min_age)
                stmt = stmt.where(_T.c.created_at < cutoff)
            if self._skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = [OutboxRow(*r) for r in (await session.execute(stmt)).all()]
            if not rows:
                return 0
            await self._publish(rows)
            await self._mark_sent(session, [r[0] for r in rows])
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def _publish(self, rows: list[OutboxRow]) -> None:
        if self._exchange is None:
            raise RuntimeError("relay not started")
        exchange = self._exchange
        # Confirms are pipelined: the whole batch is in flight at once.
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        body=payload.encode(),
                        content_type="application/cloudevents+json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        message_id=event_id,
                        correlation_id=correlation or None,
                        type=event_type,
                        timestamp=created if created.tzinfo else created.replace(tzinfo=UTC),
                    ),
                    routing_key=event_type,
                )
                for event_id, event_type, payload, correlation, created in rows
            )
        )

    @staticmethod
    async def _mark_sent(session: AsyncSession, ids: list[str]) -> None:
        await session.execute(update(_T).where(_T.c.id.in_(ids)).values(published_at=utcnow()))
