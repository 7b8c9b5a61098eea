"""Idempotency-Key: a retried create is applied once and answered with the first response."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Response
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from pydantic import BaseModel
from servicekit.app import ServiceKit, UowDep, create_service_app
from servicekit.config import ServiceSettings
from servicekit.db import utcnow
from servicekit.idempotency import RETENTION, Idempotent
from servicekit.pytest_plugin import running
from servicekit.tables import IDEMPOTENCY, OutboxMessage
from servicekit.testing import TestIdentity
from servicekit.uow import SYSTEM
from sqlalchemy import func, select, update
from sqlmodel import Field, SQLModel

pytestmark = pytest.mark.integration


class Thing(SQLModel, table=True):
    __tablename__ = "kit_test_things"
    id: str = Field(primary_key=True)
    owner: str
    name: str


class ThingIn(BaseModel):
    name: str


class ThingOut(BaseModel):
    id: str
    owner: str
    name: str


def build_app(settings: ServiceSettings, *, act_delay: float = 0.0) -> FastAPI:
    router = APIRouter()

    @router.post("/groups/{group}/things", response_model=ThingOut, status_code=201)
    async def create_thing(
        group: str, body: ThingIn, uow: UowDep, once: Idempotent
    ) -> ThingOut | Response:
        async def act() -> ThingOut:
            if body.name == "boom":
                raise RuntimeError("the use case failed")
            thing = Thing(id=uuid.uuid4().hex, owner=once.principal, name=f"{group}/{body.name}")
            uow.session.add(thing)
            uow.publish(
                ContractWithdrawn(
                    source="lexseal/test",
                    subject=thing.id,
                    data=ContractWithdrawnData(
                        contract_id=thing.id, round=1, owner_id="o", actor_id="o"
                    ),
                )
            )
            uow.audit(actor=SYSTEM, action="create", object_type="thing", object_id=thing.id)
            await uow.commit()  # held until the answer is stored with it
            await asyncio.sleep(act_delay)
            return ThingOut(id=thing.id, owner=thing.owner, name=thing.name)

        return await once.run(uow, act)

    return create_service_app(
        settings=settings, title="kit-test", description="test", routers=[router]
    )


async def create_tables(url: str) -> None:
    from servicekit.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()


async def counts(kit: ServiceKit) -> tuple[int, int]:
    async with kit.sessionmaker() as s:
        things = (await s.execute(select(func.count()).select_from(Thing))).scalar_one()
        events = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
        return int(things), int(events)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("pg_url"))


def settings_for(
    database_url: str, amqp_url: str, names: dict[str, str], identity: TestIdentity
) -> ServiceSettings:
    return ServiceSettings(
        service_name="kit",
        environment="test",
        database_url=database_url,
        amqp_url=amqp_url,
        exchange=names["exchange"],
        queue_prefix=names["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
    )


def caller(identity: TestIdentity, user: str = "u1", key: str | None = None) -> dict[str, str]:
    headers = identity.headers(user_id=user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], name: str = "a", group: str = "g"
) -> httpx.Response:
    return await client.post(f"/groups/{group}/things", json={"name": name}, headers=headers)


async def test_a_retry_with_the_same_key_is_applied_once_and_answered_the_same(
    database_url: str, amqp_url: str, names: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(database_url, amqp_url, names, identity)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with running(app) as client:
        kit: ServiceKit = app.state.kit
        first = await post(client, caller(identity, key="k-1"))
        again = await post(client, caller(identity, key="k-1"))

        assert first.status_code == 201 and again.status_code == 201
        assert again.content == first.content
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert await counts(kit) == (1, 1)  # one row, one event

        # another caller's same key is another key; no key at all is no protection
        other = await post(client, caller(identity, user="u2", key="k-1"))
        assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
        await post(client, caller(identity))
        await post(client, caller(identity))
        assert await counts(kit) == (4, 4)


async def test_the_same_key_for_another_request_is_refused(
    database_url: str, amqp_url: str, names: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(database_url, amqp_url, names, identity)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with running(app) as client:
        kit: ServiceKit = app.state.kit
        assert (await post(client, caller(identity, key="k-2"))).status_code == 201
        for changed in ({"name": "b"}, {"group": "h"}):
            resp = await post(client, caller(identity, key="k-2"), **changed)
            assert resp.status_code == 422, resp.text
            assert resp.json()["error"]["code"] == "idempotency_key_reused"
        bad = await post(client, caller(identity, key="not a token"))
        assert bad.status_code == 422
        assert await counts(kit) == (1, 1)


async def test_a_failed_request_leaves_its_key_unused(
    database_url: str, amqp_url: str, names: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(database_url, amqp_url, names, identity)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with running(app) as client:
        kit: ServiceKit = app.state.kit
        failed = await post(client, caller(identity, key="k-3"), name="boom")
        assert failed.status_code == 500, failed.text
        assert failed.json()["error"]["code"] == "internal_error", failed.text
        assert await counts(kit) == (0, 0)
        # nothing was stored: the key is free, even for another body
        resp = await post(client, caller(identity, key="k-3"), name="c")
        assert resp.status_code == 201, resp.text
        assert await counts(kit) == (1, 1)


async def test_concurrent_requests_with_one_key_make_one_effect_and_one_answer(
    pg_url: str, amqp_url: str, names: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(pg_url, amqp_url, names, identity)
    await create_tables(settings.database_url)
    app = build_app(settings, act_delay=0.2)  # every request is in flight at once
    async with running(app) as client:
        kit: ServiceKit = app.state.kit
        answers = await asyncio.gather(
            *(post(client, caller(identity, key="k-4")) for _ in range(10))
        )

        assert {r.status_code for r in answers} == {201}
        bodies: set[Any] = {r.content for r in answers}
        assert len(bodies) == 1, bodies
        assert sum(r.headers.get("idempotent-replayed") == "true" for r in answers) == 9
        assert await counts(kit) == (1, 1)


async def test_a_callers_keys_older_than_the_retention_are_dropped(
    database_url: str, amqp_url: str, names: dict[str, str], identity: TestIdentity
) -> None:
    settings = settings_for(database_url, amqp_url, names, identity)
    await create_tables(settings.database_url)
    app = build_app(settings)
    async with running(app) as client:
        kit: ServiceKit = app.state.kit
        assert (await post(client, caller(identity, key="old"))).status_code == 201
        async with kit.sessionmaker() as s:
            old = utcnow() - RETENTION - timedelta(minutes=1)
            await s.execute(update(IDEMPOTENCY).values(created_at=old))
            await s.commit()
        assert (await post(client, caller(identity, key="new"))).status_code == 201
        async with kit.sessionmaker() as s:
            keys = (await s.execute(select(IDEMPOTENCY.c.key))).scalars().all()
        assert keys == ["new"]
