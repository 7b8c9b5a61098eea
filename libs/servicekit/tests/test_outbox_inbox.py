"""The outbox, relay, idempotent consumer and dead-lettering, against the real broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aio_pika
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.app import ServiceKit, UowDep, create_service_app
from servicekit.config import ServiceSettings
from servicekit.consumer import EventHandlers
from servicekit.uow import SYSTEM, UnitOfWork
from sqlalchemy import func, select
from sqlmodel import Field, SQLModel

pytestmark = pytest.mark.integration


class Applied(SQLModel, table=True):
    __tablename__ = "kit_test_applied"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: str


def withdrawn(contract_id: str) -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/test",
        subject=contract_id,
        data=ContractWithdrawnData(contract_id=contract_id, round=1, owner_id="o", actor_id="o"),
    )


@dataclass(frozen=True)
class KitDeps:
    """The test service's dependencies: whether its handler fails every event."""

    fail: bool = False


handlers = EventHandlers[KitDeps]()


@handlers.on(ContractWithdrawn)
async def on_withdrawn(uow: UnitOfWork, event: ContractWithdrawn, deps: KitDeps) -> None:
    if deps.fail or event.data.contract_id.startswith("fail"):
        raise RuntimeError("handler failure for the test")
    uow.session.add(Applied(contract_id=event.data.contract_id))


def build_app(settings: ServiceSettings, *, fail: bool = False) -> FastAPI:
    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[KitDeps]:
        yield KitDeps(fail=fail)

    router = APIRouter()

    @router.post("/withdraw/{contract_id}")
    async def withdraw(contract_id: str, uow: UowDep) -> dict[str, str]:
        event = uow.publish(withdrawn(contract_id))
        uow.audit(actor=SYSTEM, action="withdraw", object_type="contract", object_id=contract_id)
        await uow.commit()
        return {"event_id": event.id}

    return create_service_app(
        settings=settings,
        title="kit-test",
        description="test",
        routers=[router],
        deps=deps,
        handlers=handlers,
    )


async def create_tables(url: str) -> None:
    from servicekit.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()


async def count_applied(kit: ServiceKit, contract_id: str) -> int:
    async with kit.sessionmaker() as s:
        q = select(func.count()).select_from(Applied).where(Applied.contract_id == contract_id)
        return int((await s.execute(q)).scalar_one())


async def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("pg_url"))


def settings_for(
    database_url: str, amqp_url: str, names: dict[str, str], **kw: object
) -> ServiceSettings:
    return ServiceSettings(
        service_name="kit",
        environment="test",
        database_url=database_url,
        amqp_url=amqp_url,
        exchange=names["exchange"],
        queue_prefix=names["queue_prefix"],
        max_deliveries=3,
        log_json=False,
        **kw,  # type: ignore[arg-type]
    )


async def test_event_is_published_once_and_applied_once(
    database_url: str, amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    settings = settings_for(database_url, amqp_url, names)
    cleanup_topology.append(settings.queue_name)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        kit: ServiceKit = app.state.kit
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            resp = await client.post("/withdraw/c-1", headers={"x-correlation-id": "corr-1"})
            assert resp.status_code == 200
            assert resp.headers["x-correlation-id"] == "corr-1"
            event_id = resp.json()["event_id"]

        async def applied() -> bool:
            return await count_applied(kit, "c-1") == 1

        await wait_for(applied)
        # Redeliver the very same event straight to the exchange: nothing changes.
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            ch = await conn.channel()
            ex = await ch.get_exchange(names["exchange"])
            body = withdrawn("c-1").model_copy(update={"id": event_id}).to_json()
            await ex.publish(aio_pika.Message(body), routing_key="contract.withdrawn")
            # then a later event as the marker: applied in order, so the redelivery was too
            marker = withdrawn("c-marker").to_json()
            await ex.publish(aio_pika.Message(marker), routing_key="contract.withdrawn")

        async def marker_applied() -> bool:
            return await count_applied(kit, "c-marker") == 1

        await wait_for(marker_applied)
        assert await count_applied(kit, "c-1") == 1
        from servicekit.tables import AuditEntry, OutboxMessage

        async def marked_sent() -> bool:  # the relay marks published rows in batches
            async with kit.sessionmaker() as s:
                row = await s.get(OutboxMessage, event_id)
                return row is not None and row.published_at is not None

        await wait_for(marked_sent)
        async with kit.sessionmaker() as s:
            row = await s.get(OutboxMessage, event_id)
            assert row is not None
            assert json.loads(row.payload)["correlationid"] == "corr-1"
            audit = (await s.execute(select(AuditEntry))).scalars().all()
            assert [a.action for a in audit] == ["withdraw"]
            assert audit[0].correlation_id == "corr-1"


async def test_failing_message_goes_to_dead_letter_queue_after_bounded_retries(
    sqlite_url: str, amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    settings = settings_for(sqlite_url, amqp_url, names)
    cleanup_topology.append(settings.queue_name)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            ch = await conn.channel()
            ex = await ch.get_exchange(names["exchange"])
            await ex.publish(
                aio_pika.Message(withdrawn("fail-1").to_json()), routing_key="contract.withdrawn"
            )
            await ex.publish(aio_pika.Message(b"not json at all"), routing_key="contract.withdrawn")
            dlq = await ch.get_queue(f"{settings.queue_name}.dlq")
            got: list[bytes] = []

            async def both_dead() -> bool:
                msg = await dlq.get(fail=False)
                if msg is not None:
                    got.append(msg.body)
                    await msg.ack()
                return len(got) == 2

            await wait_for(both_dead, timeout=20)
            assert b"not json at all" in got
            assert any(b"fail-1" in g for g in got)


async def test_readyz_reports_each_dependency(
    sqlite_url: str, amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    settings = settings_for(sqlite_url, amqp_url, names)
    cleanup_topology.append(settings.queue_name)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            resp = await client.get("/readyz")
            assert resp.status_code == 200, resp.text
            body = resp.json()
            assert body["checks"] == {
                "database": "ok",
                "broker": "ok",
                "consumer": "ok",
                "outbox": "ok",
            }
            assert body["reasons"] == {}
            metrics = await client.get("/metrics")
            assert "lexseal_outbox_published_total" in metrics.text


async def test_a_burst_is_applied_once_each_even_with_a_failing_event_among_it(
    pg_url: str, amqp_url: str, names: dict[str, str], cleanup_topology: list[str]
) -> None:
    settings = settings_for(pg_url, amqp_url, names)
    cleanup_topology.append(settings.queue_name)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        kit: ServiceKit = app.state.kit
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            ch = await conn.channel()
            ex = await ch.get_exchange(names["exchange"])
            events = [withdrawn(f"b-{i}") for i in range(60)]
            bodies = [e.to_json() for e in events]
            bodies.insert(30, withdrawn("fail-batch").to_json())  # fails in whatever batch it lands
            bodies.insert(10, events[3].to_json())  # a redelivered duplicate inside the burst
            # publish all at once so the consumer finds many waiting: they are applied in batches
            await asyncio.gather(
                *(ex.publish(aio_pika.Message(b), routing_key="contract.withdrawn") for b in bodies)
            )

            async def all_applied() -> bool:
                async with kit.sessionmaker() as s:
                    n = (await s.execute(select(func.count()).select_from(Applied))).scalar_one()
                return int(n) == 60

            await wait_for(all_applied, timeout=30)
            async with kit.sessionmaker() as s:
                rows = (await s.execute(select(Applied.contract_id))).scalars().all()
            assert sorted(rows) == sorted(f"b-{i}" for i in range(60))  # each exactly once
            dlq = await ch.get_queue(f"{settings.queue_name}.dlq")

            async def dead_lettered() -> bool:
                msg = await dlq.get(fail=False)
                if msg is None:
                    return False
                await msg.ack()
                return b"fail-batch" in msg.body

            await wait_for(dead_lettered, timeout=30)
