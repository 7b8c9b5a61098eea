"""The shape the kit gives a service: domain errors, typed dependencies, event handlers bound to
them, and a unit of work that collects what aggregates record."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.app import ServiceKit, UowDep, create_service_app, deps_of
from servicekit.config import ServiceSettings
from servicekit.consumer import EventConsumer, EventHandlers
from servicekit.context import correlation_id_var
from servicekit.db import create_engine, make_sessionmaker
from servicekit.domain import SYSTEM, Actor, AuditFact, Conflict, DomainError, Recorder
from servicekit.errors import AppError, install_error_handlers
from servicekit.pytest_plugin import publish_raw
from servicekit.tables import AUDIT, INBOX, OUTBOX
from servicekit.testing import FakeRepository, FakeUnitOfWork
from servicekit.uow import BatchAbort, UnitOfWork
from sqlalchemy import select
from sqlmodel import Field, SQLModel

ALICE = Actor(id="u-1", name="alice")


class Folder(Recorder, SQLModel, table=True):
    """An aggregate that records its changes."""

    __tablename__ = "kit_test_folders"
    audit_type: ClassVar[str] = "folder"

    id: str = Field(primary_key=True, max_length=36)
    state: str = Field(default="open", max_length=16)

    def audit_snapshot(self) -> dict[str, Any]:
        return {"state": self.state}

    def close(self, actor: Actor) -> None:
        before = self.audit_snapshot()
        if self.state == "closed":
            raise FolderClosed()
        self.state = "closed"
        self.record_audit(actor=actor, action="folder.closed", before=before)
        self.record_event(withdrawn(self.id))

    def note_read(self, actor: Actor) -> None:
        """Record a fact that changes nothing on the row (a download, a view)."""
        self.record_audit(actor=actor, action="folder.read")
        self.record_event(withdrawn(self.id))


class FolderClosed(Conflict):
    code = "folder_closed"
    message_en = "The folder is closed"
    message_zh = "文件夹已关闭"


def withdrawn(contract_id: str) -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/test",
        subject=contract_id,
        data=ContractWithdrawnData(contract_id=contract_id, round=1, owner_id="o", actor_id="o"),
    )


class Folders:
    """The real repository: reads and stages folders in the unit of work's session."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def get(self, folder_id: str) -> Folder | None:
        found: Folder | None = await self.session.get(Folder, folder_id)
        return found

    def add(self, folder: Folder) -> None:
        self.session.add(folder)


async def close_folder(uow: UnitOfWork, folder_id: str, actor: Actor) -> None:
    """A use case: the aggregate records, the unit of work collects at commit."""
    folder = await uow.repo(Folders).get(folder_id)
    if folder is None:
        raise DomainError(
            "No such folder", "文件夹不存在", code="folder_not_found", status_code=404
        )
    folder.close(actor)
    await uow.commit()


@pytest.fixture
async def sessionmaker(sqlite_url: str) -> AsyncIterator[Any]:
    engine = create_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def rows(sessionmaker: Any, table: Any) -> list[dict[str, Any]]:
    async with sessionmaker() as s:
        return [dict(r._mapping) for r in (await s.execute(select(table))).all()]


def test_app_error_is_the_domain_error_and_kinds_keep_their_codes() -> None:
    assert AppError is DomainError
    err = FolderClosed()
    assert (err.status_code, err.code, err.message("en"), err.message("zh")) == (
        409,
        "folder_closed",
        "The folder is closed",
        "文件夹已关闭",
    )
    assert Conflict().code == "conflict" and Conflict(code="x", details={"a": 1}).details == {
        "a": 1
    }


async def test_the_kit_renders_a_domain_error_in_the_callers_language() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/f")
    async def refuse() -> None:
        raise FolderClosed(details={"id": "f-1"})

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        zh = await client.get("/f")
        en = await client.get("/f", headers={"accept-language": "en-GB,en;q=0.9"})
    assert zh.status_code == en.status_code == 409
    assert zh.json() == {
        "error": {"code": "folder_closed", "message": "文件夹已关闭", "details": {"id": "f-1"}}
    }
    assert en.json()["error"]["message"] == "The folder is closed"


async def test_the_unit_of_work_writes_what_aggregates_recorded_at_commit(
    sessionmaker: Any,
) -> None:
    uow = UnitOfWork(sessionmaker, source="lexseal/test")
    async with uow:
        uow.repo(Folders).add(Folder(id="f-1"))
        uow.record(
            AuditFact(actor=SYSTEM, action="folder.opened", object_type="folder", object_id="f-1")
        )
        await uow.commit()
    async with uow:
        assert uow.repo(Folders) is uow.repo(Folders)  # one repository per transaction
        await close_folder(uow, "f-1", ALICE)
    audit = await rows(sessionmaker, AUDIT)
    assert [a["action"] for a in audit] == ["folder.opened", "folder.closed"]
    assert json.loads(audit[1]["before"]) == {"state": "open"}
    assert json.loads(audit[1]["after"]) == {"state": "closed"}
    assert (audit[1]["actor_id"], audit[1]["object_type"], audit[1]["object_id"]) == (
        "u-1",
        "folder",
        "f-1",
    )
    [out] = await rows(sessionmaker, OUTBOX)
    assert out["type"] == "contract.withdrawn" and out["subject"] == "f-1"
    async with uow:
        with pytest.raises(FolderClosed):
            await close_folder(uow, "f-1", ALICE)


async def test_a_row_let_go_of_after_recording_keeps_what_it_recorded(
    sessionmaker: Any,
) -> None:
    # A session holds an unchanged loaded row weakly: a use case that records on it and lets
    # it go before the commit (a handler returning, then the consumer committing) lost it.
    uow = UnitOfWork(sessionmaker, source="lexseal/test")
    async with uow:
        uow.repo(Folders).add(Folder(id="f-9"))
        await uow.commit()

    async def read(tag: str) -> None:
        token = correlation_id_var.set(tag)
        try:
            folder = await uow.repo(Folders).get("f-9")
            assert folder is not None
            folder.note_read(ALICE)
        finally:
            correlation_id_var.reset(token)

    async with uow:
        uow.begin_batch()
        await read("corr-a")
        gc.collect()
        await uow.end_batch()
    async with uow:
        await read("corr-b")
        gc.collect()
        correlation_id_var.set("corr-later")  # what is current at commit is not the fact's
        await uow.commit()
    audit = await rows(sessionmaker, AUDIT)
    assert [(a["action"], a["correlation_id"]) for a in audit] == [
        ("folder.read", "corr-a"),
        ("folder.read", "corr-b"),
    ]
    assert [o["correlation_id"] for o in await rows(sessionmaker, OUTBOX)] == ["corr-a", "corr-b"]


async def test_a_rollback_forgets_what_was_recorded(sessionmaker: Any) -> None:
    uow = UnitOfWork(sessionmaker, source="lexseal/test")
    async with uow:
        uow.repo(Folders).add(Folder(id="f-2"))
        await uow.commit()
    async with uow:
        folder = await uow.repo(Folders).get("f-2")
        assert folder is not None
        folder.close(ALICE)
        await uow.rollback()
        await uow.commit()
    assert await rows(sessionmaker, OUTBOX) == [] and await rows(sessionmaker, AUDIT) == []


async def test_undo_keeps_the_event_applied_alone_and_fails_a_batch(sessionmaker: Any) -> None:
    consumer = EventConsumer()

    @consumer.on(ContractWithdrawn)
    async def verdict_only(uow: UnitOfWork, event: ContractWithdrawn) -> None:
        uow.repo(Folders).add(Folder(id=event.subject))
        await uow.undo()  # the attempt is dropped; only the verdict stays
        uow.record(
            AuditFact(actor=SYSTEM, action="refused", object_type="folder", object_id=event.subject)
        )
        await uow.commit()

    def factory() -> UnitOfWork:
        return UnitOfWork(sessionmaker, source="lexseal/test")

    one, two = withdrawn("f-3"), withdrawn("f-4")
    with pytest.raises(BatchAbort):
        await consumer.apply_batch([one, two], factory)
    assert await rows(sessionmaker, INBOX) == []  # nothing of the batch was kept
    assert await consumer.apply(one, factory) == "applied"
    assert await consumer.apply(one, factory) == "duplicate"
    assert [r["event_id"] for r in await rows(sessionmaker, INBOX)] == [one.id]
    assert [a["action"] for a in await rows(sessionmaker, AUDIT)] == ["refused"]
    async with sessionmaker() as s:
        assert await s.get(Folder, "f-3") is None


async def test_the_fake_unit_of_work_collects_like_the_real_one() -> None:
    folders = FakeRepository(Folder(id="f-1"))
    uow = FakeUnitOfWork({Folders: folders})
    async with uow:
        await close_folder(uow, "f-1", ALICE)
    assert uow.actions == ["folder.closed"] and uow.commits == 1
    assert [e.subject for e in uow.events] == ["f-1"]
    async with uow:
        with pytest.raises(FolderClosed):
            await close_folder(uow, "f-1", ALICE)
        folder = await folders.get("f-1")
        assert folder is not None
        folder.record_audit(actor=ALICE, action="never")
        await uow.rollback()
        await uow.commit()
    assert uow.actions == ["folder.closed"] and uow.rollbacks == 1
    with pytest.raises(RuntimeError):
        _ = uow.session

    # an idempotent route holds the use case's commit until its answer is stored
    folders.add(Folder(id="f-2"))
    commits = uow.commits
    async with uow:
        uow.hold_commits()
        await close_folder(uow, "f-2", ALICE)
        assert uow.commit_wanted and uow.commits == commits
        await uow.commit_held()
    assert uow.actions == ["folder.closed", "folder.closed"] and uow.commits == commits + 1


@dataclass(frozen=True)
class ShapeDeps:
    label: str
    seen: asyncio.Queue[str]


Deps = Annotated[ShapeDeps, Depends(deps_of(ShapeDeps))]


async def test_routes_and_handlers_get_the_same_typed_dependencies(
    sqlite_url: str, amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    settings = ServiceSettings(
        service_name="kit",
        environment="test",
        database_url=sqlite_url,
        amqp_url=amqp_url,
        exchange=names["exchange"],
        queue_prefix=names["queue_prefix"],
        log_json=False,
    )
    cleanup_topology.append(settings.queue_name)
    engine = create_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    handlers = EventHandlers[ShapeDeps]()
    built: list[str] = []

    @handlers.on(ContractWithdrawn)
    async def on_withdrawn(uow: UnitOfWork, event: ContractWithdrawn, deps: ShapeDeps) -> None:
        await deps.seen.put(f"{deps.label}:{event.subject}")

    with pytest.raises(ValueError, match="already has a handler"):
        handlers.on(ContractWithdrawn)(on_withdrawn)

    @asynccontextmanager
    async def build(kit: ServiceKit) -> AsyncIterator[ShapeDeps]:
        built.append("open")
        yield ShapeDeps(label=kit.settings.service_name, seen=asyncio.Queue())
        built.append("closed")

    router = APIRouter()

    @router.get("/label")
    async def label(deps: Deps, uow: UowDep) -> dict[str, str]:
        return {"label": deps.label}

    app = create_service_app(
        settings=settings,
        title="t",
        description="t",
        routers=[router],
        deps=build,
        handlers=handlers,
    )
    async with app.router.lifespan_context(app):
        kit: ServiceKit = app.state.kit
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/label")).json() == {"label": "kit"}
        await publish_raw(
            amqp_url, names["exchange"], withdrawn("c-9").to_json(), "contract.withdrawn"
        )
        assert await asyncio.wait_for(kit.deps.seen.get(), 30) == "kit:c-9"
        assert built == ["open"]
    assert built == ["open", "closed"]
