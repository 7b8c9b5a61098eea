"""A partner consuming from the partner bus with its own RabbitMQ user (docs/PARTNERS.md).

    python bus_consumer.py AMQP_URL QUEUE [--count N]

AMQP_URL and QUEUE are what `lexseal partner bus-user NAME` printed. Each message is one
masked CloudEvent (the same JSON a webhook carries; `message_id` = the event id: deduplicate
on it). Prints `<type> <id>` per message, acknowledges it, stops after --count messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import aio_pika


async def consume(amqp_url: str, queue_name: str, count: int) -> None:
    """Read `count` messages from the partner's queue, printing and acknowledging each."""
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name)  # made by bus-user; the user may not make one
        seen = 0
        async with queue.iterator() as messages:
            async for message in messages:
                async with message.process():
                    event = json.loads(message.body)
                    print(f"{event['type']} {message.message_id}", flush=True)
                seen += 1
                if seen >= count:
                    return


def main() -> None:
    """Read the options and consume."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("amqp_url")
    parser.add_argument("queue")
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(consume(args.amqp_url, args.queue, args.count))


if __name__ == "__main__":
    main()
