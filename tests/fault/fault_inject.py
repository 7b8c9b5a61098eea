"""Messages put straight onto the system's exchange: poison, and copies of real events.

Published to the real broker (not through the proxy), as a broken or repeating publisher would.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

import aio_pika
import asyncpg
from lexseal_events import DocumentRef, LetterApproved, LetterApprovedData


@dataclass(frozen=True)
class Injected:
    """One message published directly, and the queues whose DLQ must end up holding it."""

    routing_key: str
    body: bytes
    message_id: str
    dead_letter_to: frozenset[str] | None  # None: every queue bound to the routing key


def poison(*, unreachable_url: str) -> list[Injected]:
    """Return messages no consumer can ever apply, of four kinds."""
    valid = LetterApproved(
        source="lexseal/fault-suite",
        subject="poison",
        data=LetterApprovedData(
            letter_id=str(uuid.uuid4()),
            owner_id="fault-suite",
            kind="electronic",
            number="FS-POISON",
            approver_id="fault-suite",
            letter_type="函",
            # a claim check nobody answers: the sealing handler fails every time
            document=DocumentRef(sha256="0" * 64, size=1, url=unreachable_url),
        ),
    )
    envelope = json.loads(valid.model_dump_json())
    unknown = {**envelope, "id": str(uuid.uuid4()), "type": "letter.exploded"}
    invalid = {**envelope, "id": str(uuid.uuid4()), "type": "contract.submitted", "data": {}}

    def mid() -> str:
        return f"poison-{uuid.uuid4()}"

    return [
        Injected("contract.submitted", b"\x00not json at all", mid(), None),
        Injected("letter.approved", json.dumps(unknown).encode(), mid(), None),
        Injected("contract.submitted", json.dumps(invalid).encode(), mid(), None),
        # parses, but its handler keeps failing: dead-lettered after the delivery limit
        Injected(
            "letter.approved", valid.model_dump_json().encode(), mid(), frozenset({"signing"})
        ),
    ]


def duplicates(pg_urls: dict[str, str], *, per_service: int = 3, copies: int = 2) -> list[Injected]:
    """Return copies of events each service already published (same id, same body)."""

    async def latest(url: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(url)
        try:
            return list(
                await conn.fetch(
                    "SELECT id, type, payload FROM outbox WHERE published_at IS NOT NULL"
                    " ORDER BY created_at DESC LIMIT $1",
                    per_service,
                )
            )
        finally:
            await conn.close()

    async def run() -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = []
        for url in pg_urls.values():
            rows += await latest(url)
        return rows

    return [
        Injected(r["type"], r["payload"].encode(), r["id"], frozenset())
        for r in asyncio.run(run())
        for _ in range(copies)
    ]


def publish(amqp_url: str, exchange: str, messages: list[Injected]) -> None:
    """Publish the messages with publisher confirms (mandatory: unroutable is an error)."""

    async def run() -> None:
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            channel = await conn.channel(publisher_confirms=True)
            ex = await channel.get_exchange(exchange)
            for m in messages:
                await ex.publish(
                    aio_pika.Message(
                        m.body,
                        message_id=m.message_id,
                        content_type="application/cloudevents+json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=m.routing_key,
                    mandatory=True,
                )

    asyncio.run(run())


def drain_dlq(amqp_url: str, queue: str) -> list[str]:
    """Take every message out of a dead-letter queue; return their message ids."""

    async def run() -> list[str]:
        ids: list[str] = []
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            channel = await conn.channel()
            q = await channel.declare_queue(queue, passive=True)
            while (msg := await q.get(fail=False, no_ack=True)) is not None:
                ids.append(msg.message_id or f"<no id: {msg.body[:40]!r}>")
        return ids

    return asyncio.run(run())
