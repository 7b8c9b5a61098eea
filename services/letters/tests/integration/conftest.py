"""Fixtures of the letters integration tests: real PostgreSQL and RabbitMQ, a stand-in signer."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import httpx
import pytest
from letters.bootstrap import create_app
from letters.config import Settings
from lexseal_events import DocumentRef, DocumentSealed, DocumentSealedData
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity

LAWYER = {"user_id": "lawyer-1", "username": "张律师", "roles": ["lawyer"]}
OTHER_LAWYER = {"user_id": "lawyer-2", "username": "李律师", "roles": ["lawyer"]}
ADMIN = {"user_id": "clerk1", "username": "clerk1", "roles": ["letter_admin"]}


def tomorrow() -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)).isoformat()


def letter_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "electronic",
        "case_serial_no": "MS-2026-000123",
        "cause_of_action": "民间借贷纠纷",
        "letter_type": "函",
        "recipient_org": "北京市朝阳区人民法院",
        "letter_date": tomorrow(),
        "content": {
            "client_name": "张三",
            "matter": "一审诉讼代理",
            "lawyers": [{"name": "王五", "licence_no": "11101201510123456"}],
            "body": "兹指派本所律师前往贵院查阅案卷材料，请予接洽。",
        },
    }
    body.update(overrides)
    return body


class SigningStub:
    """Serves "sealed" PDFs over real HTTP, as the signing service's internal route would."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                content = stub.documents.get(self.path)
                self.send_response(200 if content is not None else 404)
                self.end_headers()
                self.wfile.write(content or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, content: bytes) -> DocumentRef:
        sha = hashlib.sha256(content).hexdigest()
        path = f"/internal/signing/documents/{sha}"
        self.documents[path] = content
        url = f"http://127.0.0.1:{self.server.server_port}{path}"
        return DocumentRef(sha256=sha, size=len(content), url=url)


@pytest.fixture
def signing_stub() -> Iterator[SigningStub]:
    stub = SigningStub()
    stub.thread.start()
    yield stub
    stub.server.shutdown()


@pytest.fixture
def settings(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> Settings:
    s = Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=pg_url,
        amqp_url=amqp_url,
        exchange=bus["exchange"],
        queue_prefix=bus["queue_prefix"],
        jwt_public_key=identity.public_key_pem,
        log_json=False,
        internal_base_url="http://letters.internal:8104",
        relay_poll_interval=0.1,
    )
    bus["queues"] = f"{s.queue_name},{bus['queue_prefix']}.observer"
    return s


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as c:
        yield c


@pytest.fixture
def auth(identity: TestIdentity) -> Callable[[dict[str, Any]], dict[str, str]]:
    def headers(who: dict[str, Any]) -> dict[str, str]:
        return identity.headers(**who)

    return headers


class Observer:
    """A queue on the test exchange that collects the letters service's published events."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue
        self.events: list[dict[str, Any]] = []

    async def wait_for(
        self, event_type: str, *, count: int = 1, timeout: float = 10
    ) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [e for e in self.events if e["type"] == event_type]
            if len(found) >= count or asyncio.get_running_loop().time() > deadline:
                return found
            message = await self.queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            self.events.append(json.loads(message.body))


@pytest.fixture
async def observer(amqp_url: str, bus: dict[str, str]) -> AsyncIterator[Observer]:
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        ex = await ch.declare_exchange(bus["exchange"], aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await ch.declare_queue(f"{bus['queue_prefix']}.observer", durable=False)
        await queue.bind(ex, routing_key="letter.#")
        yield Observer(queue)


async def publish_sealed(
    *, amqp_url: str, exchange: str, letter_id: str, owner_id: str, ref: DocumentRef
) -> DocumentSealed:
    event = DocumentSealed(
        source="lexseal/signing",
        subject=letter_id,
        data=DocumentSealedData(
            kind="letter",
            ref_id=letter_id,
            owner_id=owner_id,
            document=ref,
            verify_code="VC-123456",
            verify_url="http://127.0.0.1:8000/verify/VC-123456",
        ),
    )
    await publish_raw(amqp_url, exchange, event.to_json(), event.type)
    return event


async def eventually(check: Callable[[], Any], *, timeout: float = 10) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)


@pytest.fixture
def helpers() -> Any:
    class H:
        payload = staticmethod(letter_payload)
        sealed = staticmethod(publish_sealed)
        until = staticmethod(eventually)
        lawyer = LAWYER
        other = OTHER_LAWYER
        admin = ADMIN

    return H
