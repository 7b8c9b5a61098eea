"""Inspect and replay dead-lettered messages (`<queue>.dlq`), for operators (`lexseal dlq`).

Reading never loses a message: `peek` takes messages unacknowledged and gives them all back
when its channel closes. `replay` republishes a message onto the events exchange with its
original routing key (the event type), waits for the broker's confirm that a queue took it,
and only then acknowledges it in the DLQ: a crash in between leaves it in both places, and
each service's inbox applies an event once, so a replay is safe to repeat. A replayed message
starts again at its first attempt; if it keeps failing it goes back to the DLQ.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiormq
from aiormq import spec
from aiormq.abc import AbstractChannel as AmqpChannel
from aiormq.abc import AbstractConnection as AmqpConnection

from .delivery import ATTEMPT_HEADER
from .messaging import connect

REPLAYED_HEADER = "x-lexseal-replayed"  # how many times an operator replayed this message
_DEATH_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
)


class DlqError(Exception):
    """A DLQ operation that cannot be done (no such queue, nowhere to replay to, ...)."""


@dataclass(slots=True)
class DeadLetter:
    """One dead-lettered message, as an operator needs to see it."""

    event_id: str  # the CloudEvent's id (the relay also sends it as the AMQP message id)
    routing_key: str
    reason: str
    deaths: int
    attempt: int
    replayed: int
    body: bytes = field(repr=False)

    def to_json(self, *, with_body: bool = False) -> dict[str, Any]:
        """Return the message as a JSON-able dict (the body decoded when asked)."""
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "routing_key": self.routing_key,
            "reason": self.reason,
            "deaths": self.deaths,
            "attempt": self.attempt,
            "replayed": self.replayed,
        }
        if with_body:
            try:
                out["body"] = json.loads(self.body)
            except ValueError:
                out["body"] = self.body.decode("utf-8", "replace")
        return out


def dlq_name(queue: str) -> str:
    """Return the dead-letter queue of a service queue (`<queue>.dlq`)."""
    return queue if queue.endswith(".dlq") else f"{queue}.dlq"


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _body_field(body: bytes, name: str) -> Any:
    try:
        return json.loads(body).get(name)
    except (ValueError, AttributeError):
        return None


def _routing_key(props: spec.Basic.Properties, body: bytes) -> str:
    """The event type: the relay publishes every event with it as routing key and type."""
    if props.message_type:
        return str(props.message_type)
    event_type = _body_field(body, "type")
    if not isinstance(event_type, str) or not event_type:
        raise DlqError("the message names no event type (no AMQP type, no CloudEvent type)")
    return event_type


def _dead_letter(message: aiormq.abc.DeliveredMessage) -> DeadLetter:
    props = message.header.properties
    headers = dict(props.headers or {})
    deaths = headers.get("x-death") or []
    reason = ""  # the latest death's (x-death lists the most recent first)
    count = 0
    if isinstance(deaths, list):
        for death in deaths:
            if isinstance(death, dict):
                count += _int(death.get("count"), 1)
                reason = reason or _text(death.get("reason"))
    reason = reason or _text(headers.get("x-first-death-reason"))
    try:
        routing_key = _routing_key(props, message.body)
    except DlqError:
        routing_key = ""
    return DeadLetter(
        event_id=str(_body_field(message.body, "id") or props.message_id or ""),
        routing_key=routing_key,
        reason=reason,
        deaths=count,
        attempt=_int(headers.get(ATTEMPT_HEADER), 1),
        replayed=_int(headers.get(REPLAYED_HEADER), 0),
        body=message.body,
    )


def replay_properties(props: spec.Basic.Properties) -> spec.Basic.Properties:
    """Return a replay's properties: the original's, back at attempt 1, counted as replayed."""
    headers = dict(props.headers or {})
    for key in (*_DEATH_HEADERS, ATTEMPT_HEADER):
        headers.pop(key, None)
    headers[REPLAYED_HEADER] = _int(headers.get(REPLAYED_HEADER), 0) + 1
    return spec.Basic.Properties(
        content_type=props.content_type,
        delivery_mode=2,  # persistent
        message_id=props.message_id,
        correlation_id=props.correlation_id,
        message_type=props.message_type,
        timestamp=props.timestamp,
        headers=headers,
    )


async def _depth(conn: AmqpConnection, queue: str) -> int | None:
    """Return a queue's ready messages, None when it does not exist (a passive declare)."""
    channel = await conn.channel()
    try:
        ok = await channel.queue_declare(queue, passive=True)
    except aiormq.exceptions.ChannelNotFoundEntity:
        return None
    finally:
        if not channel.is_closed:
            await channel.close()
    return int(ok.message_count or 0)


async def depths(amqp_url: str, queues: Sequence[str]) -> dict[str, int | None]:
    """Return the depth of each queue's DLQ (None: that DLQ does not exist)."""
    conn = await connect(amqp_url)
    try:
        return {dlq_name(q): await _depth(conn, dlq_name(q)) for q in queues}
    finally:
        await conn.close()


async def _get(channel: AmqpChannel, queue: str) -> aiormq.abc.DeliveredMessage | None:
    try:
        message = await channel.basic_get(queue, no_ack=False)
    except aiormq.exceptions.ChannelNotFoundEntity as exc:
        raise DlqError(f"no queue {queue}") from exc
    if isinstance(message.delivery, spec.Basic.GetEmpty):
        return None
    return message


async def peek(amqp_url: str, queue: str, *, limit: int = 100) -> list[DeadLetter]:
    """Return up to `limit` messages of a DLQ, oldest first, leaving them all in it."""
    dlq = dlq_name(queue)
    conn = await connect(amqp_url)
    try:
        total = await _depth(conn, dlq)
        if total is None:
            raise DlqError(f"no queue {dlq}")
        channel = await conn.channel()
        await channel.basic_qos(prefetch_count=0)
        found: list[DeadLetter] = []
        # unacknowledged gets all come back to the queue when the channel closes
        for _ in range(min(limit, total)):
            message = await _get(channel, dlq)
            if message is None:
                break
            found.append(_dead_letter(message))
        await channel.close()
        return found
    finally:
        await conn.close()


async def replay(
    amqp_url: str,
    queue: str,
    *,
    exchange: str,
    event_id: str | None = None,
) -> list[DeadLetter]:
    """Replay one message (by id) or every message of a DLQ onto `exchange`; return them.

    Only the messages in the DLQ when the replay starts are taken (one that fails again and
    comes back is not replayed twice in one run). Raises DlqError when `event_id` is not in
    the DLQ, or when the broker routes a replay to no queue (that message stays in the DLQ).
    """
    dlq = dlq_name(queue)
    conn = await connect(amqp_url)
    try:
        total = await _depth(conn, dlq)
        if total is None:
            raise DlqError(f"no queue {dlq}")
        channel = await conn.channel(publisher_confirms=True)
        replayed: list[DeadLetter] = []
        for _ in range(total):
            message = await _get(channel, dlq)
            if message is None:
                break
            letter = _dead_letter(message)
            if event_id is not None and letter.event_id != event_id:
                continue  # left unacknowledged: back in the DLQ when the channel closes
            tag = message.delivery_tag
            if tag is None:
                raise DlqError(f"{dlq}: a message came without a delivery tag")
            try:
                routing_key = _routing_key(message.header.properties, message.body)
                await channel.basic_publish(
                    message.body,
                    exchange=exchange,
                    routing_key=routing_key,
                    properties=replay_properties(message.header.properties),
                    mandatory=True,  # routed nowhere: returned, raises, stays in the DLQ
                )
            except aiormq.exceptions.PublishError as exc:
                raise DlqError(
                    f"{letter.event_id}: no queue takes {letter.routing_key!r} on {exchange}"
                    " (wrong exchange, or the service's queue is gone); it stays in the DLQ"
                ) from exc
            await channel.basic_ack(tag)
            replayed.append(letter)
            if event_id is not None:
                break
        if event_id is not None and not replayed:
            raise DlqError(f"no message {event_id} in {dlq}")
        await channel.close()
        return replayed
    finally:
        await asyncio.shield(conn.close())
