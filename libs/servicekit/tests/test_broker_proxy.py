"""The broker proxy tests use to cut one system off the broker."""

from __future__ import annotations

import asyncio

import aiormq
import pytest
from servicekit.testing import BrokerProxy

pytestmark = pytest.mark.integration


async def test_cut_drops_connections_and_refuses_new_ones_until_restored(
    broker_proxy: BrokerProxy, amqp_url: str
) -> None:
    conn = await aiormq.connect(broker_proxy.url(amqp_url))
    channel = await conn.channel()
    await channel.queue_declare(exclusive=True)  # the broker answers through the proxy
    broker_proxy.cut()
    await asyncio.wait([conn.closing], timeout=10)  # it ends with the connection error
    assert conn.is_closed
    with pytest.raises((ConnectionError, aiormq.exceptions.AMQPError, OSError)):
        await aiormq.connect(broker_proxy.url(amqp_url))
    assert broker_proxy.refused >= 1
    broker_proxy.restore()
    again = await aiormq.connect(broker_proxy.url(amqp_url))
    await (await again.channel()).queue_declare(exclusive=True)
    await again.close()


def test_the_proxy_runs_on_a_thread_for_code_that_is_not_async(amqp_url: str) -> None:
    async def declare(url: str) -> None:
        conn = await aiormq.connect(url)
        await (await conn.channel()).queue_declare(exclusive=True)
        await conn.close()

    with BrokerProxy().in_thread() as proxy:
        url = proxy.url(amqp_url)
        assert url.startswith("amqp://guest:guest@127.0.0.1:")
        asyncio.run(declare(url))
        proxy.cut()
        with pytest.raises((ConnectionError, aiormq.exceptions.AMQPError, OSError)):
            asyncio.run(declare(url))
        proxy.restore()
        asyncio.run(declare(url))
    assert proxy.connections == 2
