"""A running contract service on the real database and broker, with a tap on what it publishes."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pdf_factory as pdfs
from cnid import make_credit_code, make_resident_id
from contract.bootstrap import create_app
from contract.config import Settings
from lexseal_events import CloudEvent
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity

LAWYER = {"user_id": "lawyer-1", "username": "张律师", "roles": ["lawyer"]}
OTHER_LAWYER = {"user_id": "lawyer-2", "username": "王律师", "roles": ["lawyer"]}
RISK = {"user_id": "risk-1", "username": "风控李", "roles": ["risk_control"]}

RESIDENT_ID = make_resident_id(seq=123)
CREDIT_CODE = make_credit_code()


def individual(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "individual",
        "name": "李四",
        "id_number": RESIDENT_ID,
        "mobile": "13812345678",
    } | overrides


def enterprise(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "enterprise",
        "name": "乙科技有限公司",
        "id_number": CREDIT_CODE,
        "legal_representative": "王五",
        "operator_name": "赵六",
        "operator_mobile": "13900001111",
        "bank_account_name": "乙科技有限公司",
        "bank_account_number": "6222020200112233445",
        "bank_name": "中国工商银行北京分行",
    } | overrides


def application(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "法律服务委托合同",
        "contract_type": "service",
        "client_name": "甲公司",
        "amount": "120000.50",
        "case_serial_no": "AJ2026-0042",
        "remarks": "加急",
    } | overrides


def pdf_upload(data: bytes, name: str = "contract.pdf") -> dict[str, Any]:
    return {"files": {"file": (name, data, "application/pdf")}}


class Harness:
    """Drive the service over HTTP as users, feed it events, read what it publishes."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity: TestIdentity,
        settings: Settings,
        tap: aio_pika.abc.AbstractQueue,
    ) -> None:
        self.client = client
        self.identity = identity
        self.settings = settings
        self.tap = tap

    def as_(self, who: dict[str, Any]) -> dict[str, str]:
        return self.identity.headers(**who)

    async def create(self, who: dict[str, Any] = LAWYER, **fields: Any) -> dict[str, Any]:
        resp = await self.client.post(
            "/api/contract/contracts", json=application(**fields), headers=self.as_(who)
        )
        assert resp.status_code == 201, resp.text
        body: dict[str, Any] = resp.json()
        return body

    async def upload(self, cid: str, data: bytes, who: dict[str, Any] = LAWYER) -> httpx.Response:
        return await self.client.put(
            f"/api/contract/contracts/{cid}/document", headers=self.as_(who), **pdf_upload(data)
        )

    async def ready(
        self, *, signers: list[dict[str, Any]] | None = None, pdf: bytes | None = None
    ) -> dict[str, Any]:
        """Return a draft with a document and signers, ready to submit."""
        c = await self.create()
        assert (await self.upload(c["id"], pdf or pdfs.text_pdf(pages=2))).status_code == 200
        for s in signers or [individual()]:
            resp = await self.client.post(
                f"/api/contract/contracts/{c['id']}/signers", json=s, headers=self.as_(LAWYER)
            )
            assert resp.status_code == 201, resp.text
        return c

    async def post(self, path: str, who: dict[str, Any] = LAWYER, **kw: Any) -> httpx.Response:
        return await self.client.post(f"/api/contract{path}", headers=self.as_(who), **kw)

    async def get(self, path: str, who: dict[str, Any] = LAWYER, **kw: Any) -> httpx.Response:
        return await self.client.get(f"/api/contract{path}", headers=self.as_(who), **kw)

    async def send(self, event: CloudEvent) -> None:
        await publish_raw(
            self.settings.amqp_url, self.settings.exchange, event.to_json(), event.type
        )

    async def published(self, event_type: str, *, timeout: float = 10) -> dict[str, Any]:
        """Return the next event of `event_type` the service published."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            msg = await self.tap.get(fail=False)
            if msg is None:
                await asyncio.sleep(0.05)
                continue
            await msg.ack()
            body: dict[str, Any] = json.loads(msg.body)
            if body["type"] == event_type:
                return body
        raise AssertionError(f"no {event_type} published")

    async def status_becomes(self, cid: str, status: str, *, timeout: float = 10) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        body: dict[str, Any] = {}
        while loop.time() < deadline:
            body = (await self.get(f"/contracts/{cid}")).json()
            if body["status"] == status:
                return body
            await asyncio.sleep(0.05)
        raise AssertionError(f"status stayed {body.get('status')}, expected {status}")


@asynccontextmanager
async def harness(
    *,
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    data_dir: Path,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    settings = Settings(
        environment="test",
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
        data_dir=data_dir,
        relay_poll_interval=0.05,
        **overrides,
    )
    tap_name = f"{bus['queue_prefix']}.tap.{uuid.uuid4().hex[:6]}"
    bus["queues"] = f"{settings.queue_name},{tap_name}"
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        channel = await conn.channel()
        exchange = await channel.declare_exchange(
            bus["exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        tap = await channel.declare_queue(tap_name, auto_delete=True)
        await tap.bind(exchange, "contract.#")
        async with running(create_app(settings)) as client:
            yield Harness(client, identity, settings, tap)
