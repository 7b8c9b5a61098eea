"""`lexseal dlq list|show|replay`: dead-lettered messages of each service queue.

The broker, exchange and queue prefix come from the services' settings (`LEXSEAL_AMQP_URL`,
`LEXSEAL_EXCHANGE`, `LEXSEAL_QUEUE_PREFIX`) unless given as options. A queue is named by its
service (`signing`) or in full (`lexseal.signing`, `lexseal.signing.dlq`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TextIO

from servicekit.config import ServiceSettings
from servicekit.dlq import DlqError, depths, dlq_name, peek, replay

SERVICES = ("contract", "review", "signing", "letters", "notify")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `dlq` and its actions to the command line."""
    dlq = sub.add_parser(
        "dlq",
        help="list, show and replay dead-lettered messages (<queue>.dlq)",
        description="Messages a service gave up on go to its queue's DLQ. Replaying publishes "
        "them again on the events exchange with their routing key (the event type); each "
        "service's inbox applies an event once, so replaying is safe to repeat. A replayed "
        "message that fails again goes back to the DLQ. Output: JSON lines.",
    )
    dlq.add_argument("--amqp-url", help="default: LEXSEAL_AMQP_URL or the services' default")
    dlq.add_argument("--exchange", help="default: LEXSEAL_EXCHANGE (lexseal.events)")
    dlq.add_argument("--queue-prefix", help="default: LEXSEAL_QUEUE_PREFIX (lexseal)")
    actions = dlq.add_subparsers(dest="action", required=True)
    ls = actions.add_parser("list", help="depth of each DLQ, and its messages with --messages")
    ls.add_argument("queue", nargs="*", help="services or queues (default: every service)")
    ls.add_argument("--messages", action="store_true", help="also list each DLQ's messages")
    ls.add_argument("--limit", type=int, default=100)
    show = actions.add_parser("show", help="one dead-lettered message with its body")
    show.add_argument("queue")
    show.add_argument("event_id")
    rp = actions.add_parser("replay", help="replay one message (by id) or --all")
    rp.add_argument("queue")
    which = rp.add_mutually_exclusive_group(required=True)
    which.add_argument("event_id", nargs="?")
    which.add_argument("--all", action="store_true")


def _queue(name: str, prefix: str) -> str:
    name = name.removesuffix(".dlq")
    return f"{prefix}.{name}" if name in SERVICES else name


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    settings = ServiceSettings()
    url = args.amqp_url or settings.amqp_url
    exchange = args.exchange or settings.exchange
    prefix = args.queue_prefix or settings.queue_prefix

    def emit(obj: object) -> None:
        print(json.dumps(obj, ensure_ascii=False), file=out)

    if args.action == "list":
        queues = [_queue(q, prefix) for q in (args.queue or SERVICES)]
        for queue, depth in (await depths(url, queues)).items():
            emit({"queue": queue, "depth": depth})
            if args.messages and depth:
                for letter in await peek(url, queue, limit=args.limit):
                    emit({"queue": queue, **letter.to_json()})
        return 0
    queue = _queue(args.queue, prefix)
    if args.action == "show":
        for letter in await peek(url, queue, limit=1_000_000):
            if letter.event_id == args.event_id:
                emit({"queue": dlq_name(queue), **letter.to_json(with_body=True)})
                return 0
        raise DlqError(f"no message {args.event_id} in {dlq_name(queue)}")
    done = await replay(url, queue, exchange=exchange, event_id=None if args.all else args.event_id)
    for letter in done:
        emit({"replayed": letter.event_id, "routing_key": letter.routing_key, "exchange": exchange})
    emit({"queue": dlq_name(queue), "replayed_count": len(done)})
    return 0


def run_dlq(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """Run a `dlq` action; exit status 0 done, 1 refused (no such queue or message, ...)."""
    try:
        return asyncio.run(_run(args, out))
    except (TimeoutError, DlqError, OSError) as exc:
        print(f"lexseal dlq: {exc}", file=err)
        return 1
