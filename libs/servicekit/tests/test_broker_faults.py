"""A service against a broker that goes away: it keeps serving, resumes by itself, tells the truth.

Each test runs a kit service whose AMQP connections go through a BrokerProxy, so only this
service loses the broker; events are published straight to the real broker, as another
service's relay would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.app import DepsFactory, ServiceKit, UowDep, create_service_app
from servicekit.config import ServiceSettings
from servicekit.consumer import EventHandlers, NotReady
from servicekit.db import create_engine
from servicekit.errors import Unavailable
from servicekit.messaging import retry_queue_name
from servicekit.tables import OutboxMessage
from servicekit.testing import BrokerProxy
from servicekit.uow import SYSTEM, UnitOfWork
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col

pytestmark = pytest.mark.integration


class FaultApplied(SQLModel, table=True):
    __tablename__ = "kit_fault_applied"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: str


Behaviour = Callable[[ContractWithdrawn], Awaitable[None]]


def withdrawn(contract_id: str) -> ContractWithdrawn:
    return ContractWithdrawn(
        source="lexseal/test",
        subject=contract_id,
        data=ContractWithdrawnData(contract_id=contract_id, round=1, owner_id="o", actor_id="o"),
    )


@dataclass(frozen=True)
class FaultDeps:
    """The test service's dependencies: what its handler does before applying an event."""

    behaviour: Behaviour | None = None


handlers = EventHandlers[FaultDeps]()


@handlers.on(ContractWithdrawn)
async def on_withdrawn(uow: UnitOfWork, event: ContractWithdrawn, deps: FaultDeps) -> None:
    if deps.behaviour is not None:
        await deps.behaviour(event)
    uow.session.add(FaultApplied(contract_id=event.data.contract_id))


def fault_deps(behaviour: Behaviour | None) -> DepsFactory[FaultDeps]:
    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[FaultDeps]:
        yield FaultDeps(behaviour=behaviour)

    return deps


def build(
    settings: ServiceSettings,
    behaviour: Behaviour | None = None,
    *,
    deps: DepsFactory[FaultDeps] | None = None,
) -> FastAPI:
    router = APIRouter()

    @router.post("/withdraw/{contract_id}")
    async def withdraw(contract_id: str, uow: UowDep) -> dict[str, str]:
        event = uow.publish(withdrawn(contract_id))
        uow.audit(actor=SYSTEM, action="withdraw", object_type="contract", object_id=contract_id)
        await uow.commit()
        return {"event_id": event.id}

    @router.get("/applied")
    async def applied(uow: UowDep) -> dict[str, int]:
        q = select(func.count()).select_from(FaultApplied)
        return {"count": int((await uow.session.execute(q)).scalar_one())}

    return create_service_app(
        settings=settings,
        title="kit-fault",
        description="test",
        routers=[router],
        deps=deps or fault_deps(behaviour),
        handlers=handlers,
    )


@pytest.fixture
async def settings(
    pg_url: str,
    broker_proxy: BrokerProxy,
    amqp_url: str,
    names: dict[str, str],
    cleanup_topology: list[str],
) -> ServiceSettings:
    s = ServiceSettings(
        service_name="kitfault",
        environment="test",
        database_url=pg_url,
        amqp_url=broker_proxy.url(amqp_url),
        exchange=names["exchange"],
        queue_prefix=names["queue_prefix"],
        max_deliveries=3,
        log_json=False,
    )
    cleanup_topology.append(s.queue_name)
    engine = create_engine(pg_url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()
    return s


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[tuple[ServiceKit, httpx.AsyncClient]]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app.state.kit, client


async def publish(
    amqp_url: str, exchange: str, *events: ContractWithdrawn, raw: bytes = b""
) -> None:
    conn = await aio_pika.connect(amqp_url)
    async with conn:
        ch = await conn.channel()
        ex = await ch.get_exchange(exchange)
        bodies = [e.to_json() for e in events] + ([raw] if raw else [])
        for body in bodies:
            await ex.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="contract.withdrawn",
            )


async def queue_depth(amqp_url: str, queue: str) -> tuple[int, int]:
    """Return (messages ready, consumers) of a queue, as the broker sees it."""
    conn = await aio_pika.connect(amqp_url)
    async with conn:
        ch = await conn.channel()
        q = await ch.declare_queue(queue, passive=True)
        result = q.declaration_result
        return result.message_count, result.consumer_count


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    """Wait until `check()` holds (a bound against hanging, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still not true after {timeout}s: {check.__name__}")


async def applied_count(client: httpx.AsyncClient) -> int:
    return int((await client.get("/applied")).json()["count"])


async def readyz(client: httpx.AsyncClient) -> dict[str, Any]:
    resp = await client.get("/readyz")
    body: dict[str, Any] = resp.json()
    body["http_status"] = resp.status_code
    return body


@pytest.fixture
def consumer_log() -> Iterator[list[str]]:
    """Collect what the kit's consumer logs (the app replaces the root handlers)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect(level=logging.INFO)
    logger = logging.getLogger("servicekit.consumer")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


# D1 ------------------------------------------------------------------------------------


async def test_a_consumer_resumes_by_itself_after_the_broker_drops_with_messages_in_flight(
    settings: ServiceSettings, broker_proxy: BrokerProxy, amqp_url: str
) -> None:
    async def slow(event: ContractWithdrawn) -> None:
        await asyncio.sleep(0.01)  # a batch of 32 takes ~0.3 s: the cut lands mid-work

    async with serving(build(settings, slow)) as (kit, client):
        total = 400
        await publish(amqp_url, settings.exchange, *(withdrawn(f"d1-{i}") for i in range(total)))

        async def some_applied() -> bool:
            return await applied_count(client) >= 40

        await eventually(some_applied)
        broker_proxy.cut()  # acks of the prefetched deliveries now fail; the channel is gone
        await asyncio.sleep(1.5)
        broker_proxy.restore()

        async def all_applied() -> bool:
            return await applied_count(client) == total

        await eventually(all_applied, timeout=90)
        assert broker_proxy.connections >= 4  # relay and consumer, each reconnected

        async def queue_empty_and_ready() -> bool:
            ready, consumers = await queue_depth(amqp_url, settings.queue_name)
            return ready == 0 and consumers == 1 and (await readyz(client))["http_status"] == 200

        await eventually(queue_empty_and_ready)
        assert kit.consumer is not None and kit.consumer.waiting == 0


async def test_a_worker_that_dies_is_restarted_at_once_and_what_it_held_comes_back(
    settings: ServiceSettings, amqp_url: str
) -> None:
    entered = asyncio.Event()
    calls: list[str] = []

    async def blocks_first_time(event: ContractWithdrawn) -> None:
        calls.append(event.data.contract_id)
        if event.data.contract_id == "held" and calls.count("held") == 1:
            entered.set()
            await asyncio.Event().wait()  # never returns: the worker will die here

    async with serving(build(settings, blocks_first_time)) as (kit, client):
        assert kit.consumer is not None
        await publish(amqp_url, settings.exchange, withdrawn("held"))
        await asyncio.wait_for(entered.wait(), timeout=30)
        worker = kit.consumer._worker
        assert worker is not None
        worker.cancel()  # the worker dies, for whatever reason, holding a delivery
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        # restarted at once: by the time the dead worker's end is seen, a new one runs
        assert kit.consumer._worker is not worker and not kit.consumer._worker.done()
        assert kit.consumer.worker_restarts == 1
        await publish(amqp_url, settings.exchange, *(withdrawn(f"w-{i}") for i in range(10)))

        async def all_applied() -> bool:
            return await applied_count(client) == 11

        await eventually(all_applied)
        assert calls.count("held") == 2  # handed back to the broker and delivered again


async def test_a_consumer_with_work_waiting_and_no_progress_is_reported_stalled(
    settings: ServiceSettings, amqp_url: str
) -> None:
    release = asyncio.Event()

    async def hang(event: ContractWithdrawn) -> None:
        if event.data.contract_id == "hang":
            await release.wait()  # a handler stuck on something that never answers

    settings.consumer_stall_seconds = 1.0
    async with serving(build(settings, hang)) as (_kit, client):
        await publish(amqp_url, settings.exchange, withdrawn("hang"), withdrawn("behind"))

        async def stalled() -> bool:
            return (await readyz(client))["checks"]["consumer"] == "stalled"

        await eventually(stalled, timeout=15)
        body = await readyz(client)
        assert body["http_status"] == 503
        assert "no progress for" in body["reasons"]["consumer"]
        release.set()

        async def recovered() -> bool:
            body = await readyz(client)
            return body["http_status"] == 200 and await applied_count(client) == 2

        await eventually(recovered)


async def test_readyz_names_the_broker_while_it_is_away(
    settings: ServiceSettings, broker_proxy: BrokerProxy
) -> None:
    async with serving(build(settings)) as (_kit, client):
        assert (await readyz(client))["http_status"] == 200
        broker_proxy.cut()

        async def broker_reported_down() -> bool:
            return (await readyz(client))["checks"]["broker"] == "down"

        await eventually(broker_reported_down, timeout=10)
        body = await readyz(client)
        assert body["http_status"] == 503 and body["status"] == "not_ready"
        assert "outbox relay" in body["reasons"]["broker"]
        assert "consumer" in body["reasons"]["broker"]
        assert body["checks"]["consumer"] == "down" and body["checks"]["database"] == "ok"
        broker_proxy.restore()

        async def ready_again() -> bool:
            return (await readyz(client))["http_status"] == 200

        await eventually(ready_again)


async def test_a_hung_handler_is_given_up_on_and_its_delivery_comes_back(
    settings: ServiceSettings, amqp_url: str
) -> None:
    calls: list[str] = []

    async def hangs_once(event: ContractWithdrawn) -> None:
        calls.append(event.data.contract_id)
        if event.data.contract_id == "hang" and calls.count("hang") == 1:
            await asyncio.Event().wait()  # e.g. a peer that accepted and never answers

    settings.consumer_stall_seconds = 0.5
    async with serving(build(settings, hangs_once)) as (kit, client):
        await publish(amqp_url, settings.exchange, withdrawn("hang"), withdrawn("behind"))

        async def both_applied() -> bool:
            return await applied_count(client) == 2

        await eventually(both_applied)
        assert kit.consumer is not None and kit.consumer.abandoned >= 1
        assert calls.count("hang") == 2  # given back to the broker, applied the second time


# D2 ------------------------------------------------------------------------------------


async def test_a_service_starts_and_commits_without_the_broker_then_catches_up_by_itself(
    settings: ServiceSettings, broker_proxy: BrokerProxy, amqp_url: str
) -> None:
    settings.outbox_backlog_seconds = 1.0
    async with serving(build(settings)):
        pass  # an earlier run declared the service's queue
    broker_proxy.cut()
    async with serving(build(settings)) as (kit, client):  # starts with no broker at all
        resp = await client.post("/withdraw/while-down")
        assert resp.status_code == 200  # the write commits; its event waits in the outbox
        assert await applied_count(client) == 0
        body = await readyz(client)
        assert body["http_status"] == 503
        assert body["checks"]["broker"] == "down" and body["checks"]["consumer"] == "down"
        assert body["checks"]["database"] == "ok"
        assert "outbox relay" in body["reasons"]["broker"]

        async def backlog_named() -> bool:
            return (await readyz(client))["checks"]["outbox"] == "backlog"

        await eventually(backlog_named, timeout=15)
        assert "unsent events" in (await readyz(client))["reasons"]["outbox"]

        broker_proxy.restore()

        async def caught_up() -> bool:
            async with kit.sessionmaker() as s:
                q = select(func.count()).where(col(OutboxMessage.published_at).is_(None))
                unsent = int((await s.execute(q)).scalar_one())
            return unsent == 0 and await applied_count(client) == 1

        await eventually(caught_up, timeout=60)

        async def ready() -> bool:
            return (await readyz(client))["http_status"] == 200

        await eventually(ready)


# D4 ------------------------------------------------------------------------------------


async def test_readyz_answers_from_cached_state_without_waiting_on_a_dependency(
    settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(build(settings)) as (_kit, client):
        assert (await readyz(client))["http_status"] == 200

        def no_io(*args: object, **kwargs: object) -> object:
            raise AssertionError("/readyz must not wait on the database")

        monkeypatch.setattr(AsyncEngine, "connect", no_io)  # the database "hangs"
        body = await readyz(client)  # cached: the last check was moments ago
        assert body["http_status"] == 200, body
        assert body["checks"]["database"] == "ok"


# D5 ------------------------------------------------------------------------------------


async def test_a_failing_message_is_retried_through_a_delay_queue_then_dead_lettered(
    settings: ServiceSettings, amqp_url: str, consumer_log: list[str]
) -> None:
    attempts: list[str] = []

    async def fails(event: ContractWithdrawn) -> None:
        if event.data.contract_id == "poison":
            attempts.append("poison")
            raise RuntimeError("this event can never be applied")

    async with serving(build(settings, fails)) as (kit, client):
        await publish(amqp_url, settings.exchange, withdrawn("poison"))

        async def waiting_in_the_delay_queue() -> bool:
            ready, _ = await queue_depth(amqp_url, retry_queue_name(settings.queue_name, 1.0))
            return ready == 1

        await eventually(waiting_in_the_delay_queue)
        # while it waits, nothing holds the queue: the messages behind it are applied
        assert kit.consumer is not None and kit.consumer.waiting == 0
        await publish(amqp_url, settings.exchange, *(withdrawn(f"behind-{i}") for i in range(20)))

        async def behind_applied() -> bool:
            return await applied_count(client) == 20

        await eventually(behind_applied)
        conn = await aio_pika.connect(amqp_url)
        async with conn:
            dlq = await (await conn.channel()).get_queue(f"{settings.queue_name}.dlq")
            dead: list[aio_pika.abc.AbstractIncomingMessage] = []

            async def dead_lettered() -> bool:
                msg = await dlq.get(fail=False)
                if msg is not None:
                    dead.append(msg)
                    await msg.ack()
                return bool(dead)

            await eventually(dead_lettered, timeout=30)
        assert b"poison" in dead[0].body
        assert (dead[0].headers or {}).get("x-lexseal-attempt") == 3
        assert attempts == ["poison"] * 3  # max_deliveries attempts, no more
    said = "\n".join(consumer_log)
    assert "failed on attempt 1/3; retrying in 1s" in said
    assert "failed on attempt 2/3; retrying in 5s" in said
    assert "failed on attempt 3/3; dead-lettered" in said
    assert "will be redelivered" not in said


# D6 ------------------------------------------------------------------------------------


async def test_consumers_start_only_once_the_service_wiring_is_done(
    settings: ServiceSettings, amqp_url: str
) -> None:
    wired = {"done": False}
    seen: list[bool] = []

    async def needs_wiring(event: ContractWithdrawn) -> None:
        seen.append(wired["done"])
        if not wired["done"]:
            raise RuntimeError("consumers are not wired yet")

    @asynccontextmanager
    async def slow_wiring(kit: ServiceKit) -> AsyncIterator[FaultDeps]:
        await asyncio.sleep(1.0)  # e.g. a hardware token's login
        wired["done"] = True
        yield FaultDeps(behaviour=needs_wiring)
        wired["done"] = False

    async with serving(build(settings)):
        pass  # the queue exists, as after any earlier run
    await publish(amqp_url, settings.exchange, *(withdrawn(f"early-{i}") for i in range(5)))
    app = build(settings, deps=slow_wiring)
    async with serving(app) as (_kit, client):

        async def all_applied() -> bool:
            return await applied_count(client) == 5

        await eventually(all_applied)
    assert seen and all(seen)  # no delivery ever met the service half-built


async def test_a_dependency_that_is_not_ready_is_retried_without_spending_attempts(
    settings: ServiceSettings, amqp_url: str, consumer_log: list[str]
) -> None:
    calls: list[int] = []
    not_ready: list[Exception] = [
        NotReady("the firm's token is still logging in"),
        Unavailable("The firm's token is away", "令牌不可用", code="firm_token_unavailable"),
        # the database restarting: the pool's connection was invalidated
        DBAPIError("SELECT 1", {}, ConnectionResetError("reset"), connection_invalidated=True),
        NotReady("still not wired"),
    ]  # more than the attempt budget (3)

    async def not_ready_at_first(event: ContractWithdrawn) -> None:
        calls.append(1)
        if len(calls) <= len(not_ready):
            raise not_ready[len(calls) - 1]

    async with serving(build(settings, not_ready_at_first)) as (_kit, client):
        await publish(amqp_url, settings.exchange, withdrawn("patient"))

        async def applied() -> bool:
            return await applied_count(client) == 1

        await eventually(applied, timeout=30)
    assert len(calls) == len(not_ready) + 1  # each not-ready failure came back, then applied
    said = "\n".join(consumer_log)
    assert "not ready" in said and "(not counted)" in said
    assert "dead-lettered" not in said


async def test_readyz_names_a_database_that_does_not_answer() -> None:
    from servicekit.health import HealthMonitor

    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nothing")  # nobody there
    monitor = HealthMonitor(engine=engine, relay=None, timeout=2.0)
    try:
        await monitor.check_once()
        snap = monitor.snapshot()
    finally:
        await engine.dispose()
    assert not snap.ready
    assert snap.checks["database"] == "down"
    assert "Error" in snap.reasons["database"] or "no answer" in snap.reasons["database"]
