"""A service that stops while its queue-depth probe is reading the broker still stops."""

from __future__ import annotations

import asyncio

from servicekit.queue_metrics import QueueDepthProbe


async def test_stopping_while_a_read_is_in_flight_ends_the_probe(amqp_url: str) -> None:
    # aiormq reports the cancellation of an RPC in flight as an AMQP error; the probe used to
    # swallow it and sleep on, so stop() (and with it the service's shutdown) never returned.
    for pause in (0.0, 0.001, 0.003, 0.01, 0.02, 0.05, 0.1) * 3:
        probe = QueueDepthProbe(amqp_url=amqp_url, queue="lexseal.test.probe-stop", interval=15.0)
        await probe.start()
        await asyncio.sleep(pause)
        await asyncio.wait_for(probe.stop(), timeout=30)
        assert probe._task is not None and probe._task.done()
