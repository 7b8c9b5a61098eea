"""The unit of work: one transaction owning the state change, its events and its audit rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from lexseal_events import CloudEvent
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from .context import current_correlation_id
from .db import dialect_insert, utcnow
from .domain import KEPT_RECORDERS, SYSTEM, Actor, AuditFact, Recorded, Recorder, sequenced
from .tables import AUDIT, INBOX, OUTBOX, InboxMessage, OutboxRow
from .tracing import outbox_context

# Outbox and audit rows are written with one Core INSERT each at commit: building ORM
# objects and flushing them through the unit of work cost more than the rest of a short
# transaction (measured with bench/bench_outbox.py). Nothing reads them before commit.


__all__ = ["SYSTEM", "Actor", "BatchAbort", "UnitOfWork", "UowFactory"]

R = TypeVar("R")


class BatchAbort(Exception):
    """A handler asked to roll back while several events shared one transaction."""


def _jsonable(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


class UnitOfWork:
    """Open a session; roll back unless `commit()` is called; wake the relay after commit.

    A use case finds its repositories with `uow.repo(RoundRepository)`, changes aggregates,
    and commits. What the aggregates recorded (`servicekit.domain.Recorder`: events, audit
    facts) is collected from the session at commit and written with the outbox in the same
    transaction; `record()` records on the unit of work itself. Whether the transaction is
    the handler's alone or shared by a batch of events is the consumer's business: `commit()`
    and `undo()` mean the same to a handler either way.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        source: str,
        on_commit: Callable[[list[OutboxRow]], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._source = source
        self._on_commit = on_commit
        self._outbox: list[dict[str, Any]] = []  # not yet written
        self._audit: list[dict[str, Any]] = []  # not yet written
        self._rows: list[OutboxRow] = []  # written in this transaction, for the relay
        self._batch = False
        self._held = False  # an idempotent request: the route commits once it has its answer
        self.commit_wanted = False  # the use case called commit() while commits were held
        self._session: AsyncSession | None = None
        self._repos: dict[Callable[[AsyncSession], Any], Any] = {}
        self._recorded: list[tuple[int, Recorded]] = []  # recorded on the unit of work itself
        self.applying: CloudEvent | None = None  # the event a consumer is applying, if any

    @property
    def session(self) -> AsyncSession:
        """Return the open session (repositories use it; they never commit)."""
        return self._require_open()

    def _require_open(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work is not open")
        return self._session

    @property
    def source(self) -> str:
        """Return the CloudEvents `source` this service publishes under."""
        return self._source

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessionmaker()
        self._held = False
        self.commit_wanted = False
        self._repos = {}
        self.applying = None
        self._discard()
        return self

    def repo(self, cls: Callable[[AsyncSession], R]) -> R:
        """Return the repository `cls` bound to this transaction (one per class)."""
        found = self._repos.get(cls)
        if found is None:
            found = self._repos[cls] = cls(self.session)
        repo: R = found
        return repo

    def record(self, *items: Recorded) -> None:
        """Record events and audit facts on the unit of work itself (not on an aggregate)."""
        self._require_open()
        self._recorded.extend(sequenced(i) for i in items)

    def _recorders(self) -> list[Recorder]:
        """Return the aggregates of this transaction that can record (new ones included)."""
        session = self._session
        if session is None:
            return []
        found: dict[int, Recorder] = {}
        kept = session.sync_session.info.get(KEPT_RECORDERS, {})
        for obj in (*kept.values(), *session.new, *session.identity_map.values()):
            if isinstance(obj, Recorder):
                found.setdefault(id(obj), obj)
        return list(found.values())

    def _collect(self) -> None:
        """Move what the aggregates and the unit of work recorded into the pending rows."""
        items = self._recorded
        self._recorded = []
        for recorder in self._recorders():
            items.extend(recorder.pull_recorded())
        self._let_go_of_recorders()
        items.sort(key=lambda pair: pair[0])
        for _, item in items:
            if isinstance(item, AuditFact):
                self.audit(
                    actor=item.actor,
                    action=item.action,
                    object_type=item.object_type,
                    object_id=item.object_id,
                    before=item.before,
                    after=item.after,
                    correlation_id=item.correlation_id,
                )
            else:
                self.publish(item)

    def _let_go_of_recorders(self) -> None:
        if self._session is not None:
            self._session.sync_session.info.pop(KEPT_RECORDERS, None)

    def _forget_recorded(self) -> None:
        self._recorded = []
        for recorder in self._recorders():
            recorder.pull_recorded()
        self._let_go_of_recorders()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None

    def publish(self, event: CloudEvent) -> CloudEvent:
        """Add `event` to the outbox in this transaction; it is published after commit."""
        updates: dict[str, Any] = {}
        if not event.correlationid and current_correlation_id():
            updates["correlationid"] = current_correlation_id()
        if updates:
            event = event.model_copy(update=updates)
        self._require_open()
        self._outbox.append(
            {
                "id": event.id,
                "type": event.type,
                "subject": event.subject,
                "correlation_id": event.correlationid,
                "payload": event.model_dump_json(),
                "created_at": utcnow(),
                "published_at": None,
                "trace_context": outbox_context(event.type, event.id),
            }
        )
        return event

    def audit(
        self,
        *,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        before: Any = None,
        after: Any = None,
        correlation_id: str | None = None,
    ) -> None:
        """Record who changed what, in this transaction (under `correlation_id` if given)."""
        self._require_open()
        self._audit.append(
            {
                "at": utcnow(),
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "before": _jsonable(before),
                "after": _jsonable(after),
                "ip": actor.ip,
                "user_agent": (actor.user_agent or "")[:512] or None,
                "correlation_id": correlation_id or current_correlation_id(),
            }
        )

    async def already_applied(self, event_id: str) -> bool:
        """Tell whether this service already applied the event with `event_id`."""
        return await self.session.get(InboxMessage, event_id) is not None

    async def claim(self, event: CloudEvent) -> bool:
        """Record the event as applied now; False when it already was (one round trip)."""
        return event.id in await self.claim_many([event])

    async def claim_many(self, events: list[CloudEvent]) -> set[str]:
        """Record many events as applied in one statement; return the ids that were new."""
        if not events:
            return set()
        unique = {e.id: e for e in events}
        now = utcnow()
        # One statement whatever the count: it is compiled once and prepared once per
        # connection; several rows go as one multi-row INSERT ("insertmanyvalues").
        stmt = (
            dialect_insert(self.session)(INBOX)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(col(InboxMessage.event_id))
        )
        rows = [{"event_id": e.id, "type": e.type, "received_at": now} for e in unique.values()]
        result = await self.session.execute(stmt, rows[0] if len(rows) == 1 else rows)
        return {row[0] for row in result.all()}

    def begin_batch(self) -> None:
        """Apply several events in this one transaction: handlers' commits only flush."""
        self._batch = True

    async def end_batch(self) -> None:
        """Commit the whole batch, then hand its outbox rows to the relay."""
        self._batch = False
        await self.commit()

    def hold_commits(self) -> None:
        """Make `commit()` only write, until `commit_held()` commits everything at once.

        An idempotent request stores its answer in the transaction of its effect: the use
        case's commit waits until the route has built that answer.
        """
        self._held = True
        self.commit_wanted = False

    async def commit_held(self) -> None:
        """Commit what held commits wrote (see `hold_commits`)."""
        self._held = False
        await self.commit()

    def mark_applied(self, event: CloudEvent) -> None:
        """Record the event as applied, in the same transaction as its effect."""
        self.session.add(InboxMessage(event_id=event.id, type=event.type))

    async def _write_pending(self) -> None:
        session = self.session
        self._collect()
        await session.flush()  # the state change first, as the ORM orders it
        if self._outbox:
            rows, self._outbox = self._outbox, []
            await session.execute(insert(OUTBOX), rows[0] if len(rows) == 1 else rows)
            self._rows.extend(
                OutboxRow(
                    r["id"],
                    r["type"],
                    r["payload"],
                    r["correlation_id"],
                    r["created_at"],
                    r["trace_context"],
                )
                for r in rows
            )
        if self._audit:
            rows, self._audit = self._audit, []
            await session.execute(insert(AUDIT), rows[0] if len(rows) == 1 else rows)

    async def commit(self) -> None:
        """Commit the state change, outbox rows and audit rows together."""
        await self._write_pending()
        if self._held:
            self.commit_wanted = True
        if self._batch or self._held:
            return  # the batch (or the idempotent request) commits once, at its end
        await self.session.commit()
        if self._rows and self._on_commit is not None:
            self._on_commit(self._rows)
        self._discard()

    async def rollback(self) -> None:
        """Discard everything done in this unit of work."""
        if self._batch:
            # One event cannot be undone inside a shared transaction: fail the batch, and
            # the consumer applies each event on its own.
            raise BatchAbort("a handler rolled back inside a batch")
        self._forget_recorded()
        await self.session.rollback()
        self._discard()

    async def undo(self) -> None:
        """Discard this handler's changes; the event being applied stays applied.

        For a handler that keeps only a verdict: undo, record the verdict, commit. Inside a
        batch of events the shared transaction cannot lose one event's part, so the batch
        fails and the consumer applies each event on its own (where this undo is exact).
        """
        await self.rollback()
        if self.applying is not None:
            self.mark_applied(self.applying)

    def _discard(self) -> None:
        self._outbox, self._audit, self._rows = [], [], []
        self._recorded = []


UowFactory = Callable[[], UnitOfWork]
