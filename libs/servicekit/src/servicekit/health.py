"""Readiness from cached state: /readyz answers at once and names what is wrong, and why.

A background task looks at the database and the outbox every `interval`; the broker and the
consumer report their own state as it changes. Reading a snapshot does no I/O, so /readyz
stays fast while a dependency hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from .db import as_utc, utcnow
from .metrics import OUTBOX_OLDEST_AGE, OUTBOX_UNPUBLISHED
from .queue_consumer import QueueConsumer
from .relay import OutboxRelay
from .tables import OUTBOX

log = logging.getLogger("servicekit.health")


@dataclass
class Snapshot:
    """Each dependency's state ('ok' or what is wrong) and, when not ok, the reason."""

    checks: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """Tell whether every check is ok."""
        return all(v == "ok" for v in self.checks.values())

    def set(self, name: str, state: str, reason: str = "") -> None:
        """Record one check; a reason only when it is not ok."""
        self.checks[name] = state
        if state != "ok":
            self.reasons[name] = reason or state


class HealthMonitor:
    """Keep the database and outbox state fresh; assemble snapshots without waiting on I/O."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        relay: OutboxRelay | None,
        consumer: QueueConsumer | None = None,
        backlog_limit: float = 30.0,
        interval: float = 1.0,
        timeout: float = 2.0,
    ) -> None:
        self._engine = engine
        self.relay = relay
        self.consumer = consumer
        self._backlog_limit = backlog_limit
        self._interval = interval
        self._timeout = timeout
        self._db_ok_at: float | None = None
        self._db_error = "not checked yet"
        self._oldest_unsent: datetime | None = None
        self._unsent = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Check once now, then keep checking in the background."""
        await self.check_once()
        self._task = asyncio.create_task(self._loop(), name="health-monitor")

    async def stop(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.check_once()

    async def check_once(self) -> None:
        """Ask the database whether it answers, and how old the oldest unsent event is."""
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                row = (
                    await conn.execute(
                        select(func.min(OUTBOX.c.created_at), func.count()).where(
                            OUTBOX.c.published_at.is_(None)
                        )
                    )
                ).one()
        except TimeoutError:
            self._db_error = f"no answer within {self._timeout:g}s"
            return
        except Exception as exc:
            self._db_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            return
        self._db_ok_at = time.monotonic()
        self._oldest_unsent = as_utc(row[0]) if row[0] is not None else None
        self._unsent = int(row[1])
        OUTBOX_UNPUBLISHED.set(self._unsent)
        oldest = self._oldest_unsent
        OUTBOX_OLDEST_AGE.set((utcnow() - oldest).total_seconds() if oldest is not None else 0.0)

    def snapshot(self) -> Snapshot:
        """Return each dependency's state as last seen; never waits."""
        snap = Snapshot()
        now = time.monotonic()
        fresh_for = self._interval * 3 + self._timeout
        if self._db_ok_at is not None and now - self._db_ok_at <= fresh_for:
            snap.set("database", "ok")
        else:
            since = f" (last answer {now - self._db_ok_at:.0f}s ago)" if self._db_ok_at else ""
            snap.set("database", "down", self._db_error + since)
        broker_down = [
            f"{who}: {why} (for {now - since_:.0f}s)"
            for who, since_, why in self._broker_states()
            if since_ is not None
        ]
        if broker_down:
            snap.set("broker", "down", "; ".join(broker_down))
        else:
            snap.set("broker", "ok")
        if self.consumer is not None:
            state, reason = self.consumer.health()
            snap.set("consumer", state, reason)
        if self._oldest_unsent is not None:
            age = (utcnow() - self._oldest_unsent).total_seconds()
            if age > self._backlog_limit:
                snap.set(
                    "outbox",
                    "backlog",
                    f"{self._unsent} unsent events, the oldest {age:.0f}s old "
                    f"(limit {self._backlog_limit:g}s)",
                )
        snap.checks.setdefault("outbox", "ok")
        return snap

    def _broker_states(self) -> list[tuple[str, float | None, str]]:
        states: list[tuple[str, float | None, str]] = []
        if self.relay is not None:
            down = None if self.relay.connected else (self.relay.down_since or time.monotonic())
            states.append(("outbox relay", down, self.relay.down_reason or "disconnected"))
        if self.consumer is not None and not self.consumer.connected:
            states.append(
                ("consumer", self.consumer.down_since or time.monotonic(), self.consumer.error)
            )
        return states
