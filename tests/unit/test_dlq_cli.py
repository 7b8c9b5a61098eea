"""`lexseal dlq list|show|replay` against the real broker, on an exchange and prefix of its own."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from aiormq import spec
from lexseal_cli.__main__ import main
from servicekit.messaging import connect, declare_service_queue, delete_topology

pytestmark = pytest.mark.integration


async def _setup(amqp_url: str, exchange: str, queue: str, ids: list[str]) -> None:
    conn = await connect(amqp_url)
    try:
        ch = await conn.channel()
        await declare_service_queue(
            ch, exchange=exchange, queue=queue, routing_keys=["contract.#"], max_deliveries=5
        )
        for event_id in ids:
            body = json.dumps({"id": event_id, "type": "contract.withdrawn"}).encode()
            props = spec.Basic.Properties(message_id=event_id, message_type="contract.withdrawn")
            await ch.basic_publish(
                body, exchange=exchange, routing_key="contract.withdrawn", properties=props
            )
        for _ in ids:
            got = await ch.basic_get(queue, no_ack=False)
            assert got.delivery_tag is not None
            await ch.basic_reject(got.delivery_tag, requeue=False)
        await asyncio.sleep(0.3)  # dead-lettering is asynchronous in quorum queues
    finally:
        await conn.close()


async def _teardown(amqp_url: str, exchange: str, queue: str) -> None:
    conn = await connect(amqp_url)
    try:
        await delete_topology(await conn.channel(), exchange=exchange, queues=[queue])
    finally:
        await conn.close()


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_dlq_command(
    amqp_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = uuid.uuid4().hex[:10]
    exchange, prefix = f"lexseal.test.{run}", f"lexseal.test.{run}"
    queue = f"{prefix}.contract"
    monkeypatch.setenv("LEXSEAL_AMQP_URL", amqp_url)
    monkeypatch.setenv("LEXSEAL_EXCHANGE", exchange)
    monkeypatch.setenv("LEXSEAL_QUEUE_PREFIX", prefix)
    asyncio.run(_setup(amqp_url, exchange, queue, ["a1", "a2"]))
    try:
        assert main(["dlq", "list", "contract", "review", "--messages"]) == 0
        out = _lines(capsys.readouterr().out)
        assert out[0] == {"queue": f"{queue}.dlq", "depth": 2}
        assert [x["event_id"] for x in out[1:3]] == ["a1", "a2"]
        assert out[3] == {"queue": f"{prefix}.review.dlq", "depth": None}  # no such queue

        assert main(["dlq", "show", "contract", "a2"]) == 0
        [shown] = _lines(capsys.readouterr().out)
        assert shown["body"] == {"id": "a2", "type": "contract.withdrawn"}
        assert main(["dlq", "show", "contract", "zz"]) == 1
        assert "no message zz" in capsys.readouterr().err

        assert main(["dlq", "replay", "contract", "a2"]) == 0
        out = _lines(capsys.readouterr().out)
        assert out[0]["replayed"] == "a2" and out[0]["routing_key"] == "contract.withdrawn"
        assert out[-1] == {"queue": f"{queue}.dlq", "replayed_count": 1}
        assert main(["dlq", "replay", "contract", "--all"]) == 0
        assert _lines(capsys.readouterr().out)[-1]["replayed_count"] == 1
        assert main(["dlq", "list", "contract"]) == 0
        assert _lines(capsys.readouterr().out) == [{"queue": f"{queue}.dlq", "depth": 0}]
        with pytest.raises(SystemExit):
            main(["dlq", "replay", "contract"])  # one id or --all
    finally:
        asyncio.run(_teardown(amqp_url, exchange, queue))
