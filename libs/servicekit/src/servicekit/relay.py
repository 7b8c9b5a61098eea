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

The broker may be away: the relay then keeps trying to connect (with backoff) while commits go
on; once connected, the sweep publishes everything committed meanwhile. The service starts
whether or not the broker is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, timedelta

from aiormq import spec
from aiormq.abc import AbstractChannel, AbstractConnection
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db import utcnow
from .messaging import connect, declare_exchange
from .metrics import OUTBOX_PUBLISHED, OUTBOX_RELAY_ERRORS
from .tables import OUTBOX as _T
from .tables import OutboxRow
from .tracing import amqp_headers

log = logging.getLogger("servicekit.relay")

# Core statements on the table (_T): the ORM's bulk UPDATE (session synchronisation) and row
# processing cost a fifth of the relay's time in a profile of a backlog drain.


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
        self._publishing = asyncio.Lock()  # backlog lanes take turns on the channel
        self._task: asyncio.Task[None] | None = None
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._stopping = False
        self.down_since: float | None = time.monotonic()  # None while connected
        self.down_reason = "not connected yet"

    def committed(self, rows: Sequence[OutboxRow]) -> None:
        """Take rows the unit of work has just committed, to publish them right away."""
        self._fresh.extend(rows)
        self._wakeup.set()

    @property
    def connected(self) -> bool:
        """Tell whether the relay holds an open broker connection and channel."""
        conn, channel = self._connection, self._channel
        return not (conn is None or conn.is_closed or channel is None or channel.is_closed)

    async def start(self) -> None:
        """Start the background loop, connected if the broker answers at once.

        Never fails for want of a broker: the loop keeps connecting, and commits go on.
        """
        try:
            await asyncio.wait_for(self._connect(), timeout=3)
        except Exception as exc:
            self._note_down(exc)
            log.warning("broker unreachable at start (%s); the relay keeps trying", exc)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def _connect(self) -> None:
        await self._disconnect()
        self._connection = await connect(self._amqp_url)
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=False)
        await declare_exchange(channel, self._exchange_name)
        self._channel = channel
        if self.down_since is not None and self.down_reason != "not connected yet":
            log.info("relay connected (after %.1fs)", time.monotonic() - self.down_since)
        self.down_since, self.down_reason = None, ""

    async def _disconnect(self) -> None:
        conn, self._connection, self._channel = self._connection, None, None
        if conn is not None and not conn.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)

    def _note_down(self, exc: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
        self.down_reason = f"{type(exc).__name__}: {exc}".rstrip(": ")

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
        await self._disconnect()

    async def _run(self) -> None:
        backoff = 0.2
        last_sweep = 0.0
        while not self._stopping:
            # Clear before working: a commit that wakes us meanwhile must not be lost.
            self._wakeup.clear()
            try:
                if not self.connected:
                    if self.down_since is None:
                        self._note_down(ConnectionError("connection lost"))
                    await self._connect()
                    last_sweep = 0.0  # publish what was committed meanwhile, now
                if self._fresh:
                    await self._publish_fresh()
                if self._unmarked and (
                    len(self._unmarked) >= self._batch or time.monotonic() >= self._mark_due
                ):
                    await self._mark_published()
                if self._fresh:
                    continue
                if time.monotonic() - last_sweep >= self._poll:
                    if await self.drain_once(min_age=self._grace) >= self._batch:
                        await self._drain_backlog()
                    last_sweep = time.monotonic()
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Nothing is marked sent unless confirmed; the sweep retries what is left.
                OUTBOX_RELAY_ERRORS.inc()
                # the sweep publishes these after the grace period
                self._fresh.clear()
                if not self.connected:
                    # published and confirmed before the loss: still to be marked, not resent
                    self._note_down(exc)
                    log.warning("outbox relay has no broker (%s); retrying in %.1fs", exc, backoff)
                else:
                    log.exception("outbox relay failed; retrying in %.1fs", backoff)
                    self._unmarked.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            timeout = self._poll
            if self._unmarked:
                timeout = max(0.0, min(timeout, self._mark_due - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=timeout)

    async def _drain_backlog(self) -> None:
        """Drain a backlog in two lanes (PostgreSQL), until it is gone or fresh rows wait.

        One lane publishes while the other claims its next batch: publishing takes turns
        (`_publishing`), so the lanes fall into step, each one's database round trips
        overlapping the other's publisher confirms. SKIP LOCKED keeps their rows apart.
        """

        async def lane() -> None:
            while not self._fresh and await self.drain_once(min_age=self._grace) >= self._batch:
                pass

        await asyncio.gather(*(lane() for _ in range(2 if self._skip_locked else 1)))

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
        """Publish one batch of unsent rows older than `min_age` seconds; return how many.

        The rows are claimed (locked) and marked sent in one transaction that commits only
        after every publish was confirmed; if anything fails it rolls back and they stay unsent.
        """
        async with self._sessionmaker() as session, session.begin():
            pick = (
                select(_T.c.id)
                .where(_T.c.published_at.is_(None))
                .order_by(_T.c.created_at)
                .limit(self._batch)
            )
            if min_age > 0:
                cutoff = utcnow() - timedelta(seconds=min_age)
                pick = pick.where(_T.c.created_at < cutoff)
            columns = (
                _T.c.id,
                _T.c.type,
                _T.c.payload,
                _T.c.correlation_id,
                _T.c.created_at,
                _T.c.trace_context,
            )
            if self._skip_locked:
                # PostgreSQL: claim and mark in one statement (one round trip fewer per batch)
                claim = (
                    update(_T)
                    .where(_T.c.id.in_(pick.with_for_update(skip_locked=True).scalar_subquery()))
                    .values(published_at=utcnow())
                    .returning(*columns)
                )
                rows = [OutboxRow(*r) for r in (await session.execute(claim)).all()]
                rows.sort(key=lambda r: r.created_at)  # RETURNING keeps no order
                if rows:
                    async with self._publishing:
                        await self._publish(rows)
            else:
                # SQLite: no row locks (one writer at a time); select, publish, then mark
                found = select(*columns).where(_T.c.id.in_(pick.scalar_subquery()))
                rows = [OutboxRow(*r) for r in (await session.execute(found)).all()]
                rows.sort(key=lambda r: r.created_at)
                if rows:
                    await self._publish(rows)
                    await self._mark_sent(session, [r.id for r in rows])
        OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def _publish(self, rows: list[OutboxRow]) -> None:
        channel = self._channel
        if channel is None or channel.is_closed:
            raise ConnectionError("no broker connection")
        # aiormq, the protocol layer under aio-pika: building an aio_pika.Message per event
        # cost a third of the publishing CPU (bench/bench_outbox.py). Confirms are pipelined:
        # the whole batch is in flight at once; a nack raises DeliveryError, and nothing is
        # marked sent unless every publish was confirmed.
        exchange = self._exchange_name
        await asyncio.gather(
            *(
                channel.basic_publish(
                    payload.encode(),
                    exchange=exchange,
                    routing_key=event_type,
                    mandatory=True,  # as aio-pika: an event no queue wants is returned, not lost
                    properties=spec.Basic.Properties(
                        content_type="application/cloudevents+json",
                        delivery_mode=2,  # persistent
                        message_id=event_id,
                        correlation_id=correlation or None,
                        message_type=event_type,
                        timestamp=created if created.tzinfo else created.replace(tzinfo=UTC),
                        headers=amqp_headers(trace_context),  # W3C traceparent (tracing.py)
                    ),
                )
                for event_id, event_type, payload, correlation, created, trace_context in rows
            )
        )

    @staticmethod
    async def _mark_sent(session: AsyncSession, ids: list[str]) -> None:
        await session.execute(update(_T).where(_T.c.id.in_(ids)).values(published_at=utcnow()))
