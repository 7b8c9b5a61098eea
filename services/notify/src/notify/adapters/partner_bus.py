"""Publish partner events to the partner exchange with publisher confirms."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import NamedTuple

from aiormq import spec
from aiormq.abc import AbstractChannel, AbstractConnection
from servicekit.messaging import connect, declare_exchange

CONTENT_TYPE = "application/cloudevents+json"


class BusMessage(NamedTuple):
    """One masked event: its id (the message id), type (the routing key) and JSON body."""

    event_id: str
    event_type: str
    payload: str


class PartnerBus:
    """A connection of its own to the broker, opened on first use and again after a failure."""

    def __init__(self, *, amqp_url: str, exchange: str) -> None:
        self.amqp_url = amqp_url
        self.exchange = exchange
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None

    async def _open(self) -> AbstractChannel:
        channel = self._channel
        if channel is not None and not channel.is_closed:
            return channel
        await self.close()
        self._connection = await connect(self.amqp_url)
        channel = await self._connection.channel(publisher_confirms=True)
        await declare_exchange(channel, self.exchange)
        self._channel = channel
        return channel

    async def publish(self, messages: Sequence[BusMessage]) -> None:
        """Publish `messages` (persistent) and return once the broker confirmed every one."""
        try:
            channel = await self._open()
            await asyncio.gather(
                *(
                    channel.basic_publish(
                        m.payload.encode(),
                        exchange=self.exchange,
                        routing_key=m.event_type,
                        properties=spec.Basic.Properties(
                            content_type=CONTENT_TYPE,
                            delivery_mode=2,
                            message_id=m.event_id,
                            message_type=m.event_type,
                        ),
                    )
                    for m in messages
                )
            )
        except BaseException:
            await self.close()  # the next round connects afresh and publishes again
            raise

    async def close(self) -> None:
        """Close the connection."""
        conn, self._connection, self._channel = self._connection, None, None
        if conn is not None and not conn.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)
