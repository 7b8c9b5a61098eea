"""`lexseal partner bus-user NAME` against the real broker: the partner's user reads its own
queue on the partner exchange, and cannot read another queue, publish, bind to the internal
exchange or declare anything else. Exchanges, queues and users of this test's own; all removed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import aiormq
import pytest
from aiormq import spec
from lexseal_cli.__main__ import main
from servicekit.messaging import connect
from servicekit.testing import missing_tool

pytestmark = pytest.mark.integration


def _rabbitmqctl() -> str:
    found = shutil.which("rabbitmqctl") or (
        "/usr/sbin/rabbitmqctl" if Path("/usr/sbin/rabbitmqctl").exists() else None
    )
    if found is None:
        missing_tool("rabbitmqctl is not installed (deploy/ensure-rabbitmq.sh installs it)")
    assert found
    return found


async def _refused(url: str, action: str, **kw: str) -> bool:
    """Try one action as the partner; tell whether the broker refused it (403)."""
    conn = await connect(url)
    try:
        ch = await conn.channel(publisher_confirms=True)
        if action == "consume":
            await ch.basic_consume(kw["queue"], lambda m: asyncio.sleep(0))
        elif action == "bind":
            await ch.queue_bind(kw["queue"], kw["exchange"], routing_key="#")
        elif action == "declare":
            await ch.queue_declare(kw["queue"], durable=True)
        elif action == "publish":
            await ch.basic_publish(b"{}", exchange=kw["exchange"], routing_key="contract.x")
        return False
    except aiormq.exceptions.ChannelAccessRefused:
        return True
    finally:
        if not conn.is_closed:
            await conn.close()


async def _scenario(
    amqp_url: str, a_url: str, *, partner_ex: str, internal_ex: str, queue_a: str, queue_b: str
) -> None:
    admin = await connect(amqp_url)
    try:
        ch = await admin.channel(publisher_confirms=True)
        await ch.exchange_declare(internal_ex, exchange_type="topic", durable=True)
        event = json.dumps({"id": "evt-1", "type": "signing.completed"}).encode()
        props = spec.Basic.Properties(message_id="evt-1", content_type="application/json")
        await ch.basic_publish(
            event, exchange=partner_ex, routing_key="signing.completed", properties=props
        )
        # the partner reads its own queue
        partner = await connect(a_url)
        try:
            pch = await partner.channel()
            for _ in range(100):
                got = await pch.basic_get(queue_a, no_ack=True)
                if got.body:
                    break
                await asyncio.sleep(0.05)
            assert got.body == event and got.header.properties.message_id == "evt-1"
        finally:
            await partner.close()
        # what it may do is not refused (so the refusals below are the permissions at work)
        assert not await _refused(a_url, "bind", queue=queue_a, exchange=partner_ex)
        assert await _refused(a_url, "consume", queue=queue_b)  # another partner's queue
        assert await _refused(a_url, "bind", queue=queue_a, exchange=internal_ex)  # internal
        assert await _refused(a_url, "declare", queue=f"{queue_a}.mine")  # nothing else
        assert await _refused(a_url, "publish", exchange=partner_ex)  # never publishes
        assert await _refused(a_url, "publish", exchange=internal_ex)
        assert await _refused(a_url, "publish", exchange="")  # nor through the default
        await ch.exchange_delete(internal_ex)
    finally:
        await admin.close()


def test_a_partner_bus_user_reads_its_own_queue_and_nothing_else(
    amqp_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ctl = _rabbitmqctl()
    run = uuid.uuid4().hex[:8]
    partner_ex, internal_ex = f"lexseal.test.{run}.partner", f"lexseal.test.{run}"
    names = [f"ptest-{run}-a", f"ptest-{run}-b"]
    common = ["--exchange", partner_ex, "--amqp-url", amqp_url, "--rabbitmqctl", ctl]
    made: list[str] = []
    try:
        for name in names:
            assert main(["partner", "bus-user", name, *common]) == 0
            made.append(name)
        a, b = (json.loads(line) for line in capsys.readouterr().out.splitlines())
        assert a["queue"] == f"{partner_ex}.{names[0]}" and a["routing_keys"] == ["#"]
        assert a["amqp_url"].startswith(f"amqp://{names[0]}:") and len(a["password"]) >= 24
        asyncio.run(
            _scenario(
                amqp_url,
                a["amqp_url"],
                partner_ex=partner_ex,
                internal_ex=internal_ex,
                queue_a=a["queue"],
                queue_b=b["queue"],
            )
        )
        assert main(["partner", "bus-user", "Bad Name", *common]) == 1
        assert "NAME" in capsys.readouterr().err
    finally:
        for name in made:
            main(["partner", "bus-user", name, "--delete", *common])

        async def drop() -> None:
            conn = await connect(amqp_url)
            try:
                await (await conn.channel()).exchange_delete(partner_ex)
            finally:
                await conn.close()

        asyncio.run(drop())
    listed = subprocess.run([ctl, "-q", "list_users"], capture_output=True, text=True, check=True)
    users = {line.split("\t")[0] for line in listed.stdout.splitlines()}
    assert not set(names) & users  # the users made here are gone
