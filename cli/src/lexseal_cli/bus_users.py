"""`lexseal partner bus-user NAME`: a partner's own RabbitMQ user for the partner bus.

A partner system inside the firm's network may consume events from the partner exchange
(`lexseal.partner`: the webhooks' masked, versioned payloads; never the internal exchange).
This makes the partner a RabbitMQ user and a durable queue of its own, `<exchange>.<NAME>`,
bound to the partner exchange, with permissions that allow exactly that:

- configure: its own queue only (it may redeclare or delete it, nothing else);
- write: its own queue only (to bind it), no exchange: it cannot publish anywhere;
- read: its own queue and the partner exchange (consume; bind from that exchange only):
  no other queue, not the internal exchange.

The user is made with `rabbitmqctl` on this machine (the management plugin is not assumed);
`--delete` removes the user and its queue. Output: one JSON object; the password (generated
unless given) is shown only then.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import quote, urlsplit, urlunsplit

from servicekit.messaging import connect, declare_exchange

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


class BusUserError(RuntimeError):
    """The user could not be made or removed (rabbitmqctl or the broker said why)."""


@dataclass(frozen=True)
class BusUser:
    """What a partner needs to consume: its user, password, queue and the broker URL."""

    name: str
    password: str
    queue: str
    exchange: str
    amqp_url: str
    routing_keys: tuple[str, ...]


def queue_for(name: str, exchange: str) -> str:
    """Return the partner's queue name."""
    return f"{exchange}.{name}"


def permissions(name: str, exchange: str) -> tuple[str, str, str]:
    """Return the configure, write and read patterns of the partner's user."""
    queue = re.escape(queue_for(name, exchange))
    return f"^{queue}$", f"^{queue}$", f"^({queue}|{re.escape(exchange)})$"


def _partner_url(admin_url: str, name: str, password: str) -> str:
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(name, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))


def _ctl(rabbitmqctl: str, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [rabbitmqctl, "--quiet", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BusUserError(f"rabbitmqctl {args[0]}: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def _vhost(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return "/" if path in ("", "/") else path[1:]


def create_bus_user(
    name: str,
    *,
    exchange: str = "lexseal.partner",
    routing_keys: tuple[str, ...] = ("#",),
    amqp_url: str = DEFAULT_AMQP,
    password: str | None = None,
    rabbitmqctl: str = "rabbitmqctl",
) -> BusUser:
    """Make the partner's user, its queue bound to `exchange`, and its narrow permissions."""
    if not NAME.match(name):
        raise BusUserError("NAME: 2-63 of a-z, 0-9, _ and -, starting with a letter or digit")
    password = password or secrets.token_urlsafe(24)
    queue = queue_for(name, exchange)
    asyncio.run(_declare(amqp_url, exchange=exchange, queue=queue, routing_keys=routing_keys))
    _ctl(rabbitmqctl, "add_user", name, stdin=password)
    try:
        configure, write, read = permissions(name, exchange)
        _ctl(rabbitmqctl, "set_permissions", "-p", _vhost(amqp_url), name, configure, write, read)
    except BusUserError:
        _ctl(rabbitmqctl, "delete_user", name)
        raise
    return BusUser(
        name=name,
        password=password,
        queue=queue,
        exchange=exchange,
        amqp_url=_partner_url(amqp_url, name, password),
        routing_keys=routing_keys,
    )


def delete_bus_user(
    name: str,
    *,
    exchange: str = "lexseal.partner",
    amqp_url: str = DEFAULT_AMQP,
    rabbitmqctl: str = "rabbitmqctl",
) -> None:
    """Remove the partner's user and its queue."""
    if not NAME.match(name):
        raise BusUserError("NAME: 2-63 of a-z, 0-9, _ and -, starting with a letter or digit")
    _ctl(rabbitmqctl, "delete_user", name)
    asyncio.run(_delete_queue(amqp_url, queue_for(name, exchange)))


async def _declare(
    amqp_url: str, *, exchange: str, queue: str, routing_keys: tuple[str, ...]
) -> None:
    conn = await connect(amqp_url)
    try:
        ch = await conn.channel()
        await declare_exchange(ch, exchange)
        await ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        for key in routing_keys:
            await ch.queue_bind(queue, exchange, routing_key=key)
    finally:
        await conn.close()


async def _delete_queue(amqp_url: str, queue: str) -> None:
    conn = await connect(amqp_url)
    try:
        ch = await conn.channel()
        await ch.queue_delete(queue)
    finally:
        await conn.close()


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `partner bus-user` to the command line."""
    partner = sub.add_parser("partner", help="partner systems: users of the partner bus")
    actions = partner.add_subparsers(dest="action", required=True)
    user = actions.add_parser(
        "bus-user",
        help="make (or --delete) a partner's RabbitMQ user and queue on the partner exchange",
        description=(__doc__ or "").split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    user.add_argument("name", help="the partner's user name (also names its queue)")
    user.add_argument("--exchange", default="lexseal.partner", help="the partner exchange")
    user.add_argument(
        "--routing-key",
        action="append",
        dest="routing_keys",
        help="event types to bind, e.g. signing.* (repeatable; default: # = every event)",
    )
    user.add_argument(
        "--amqp-url",
        default=DEFAULT_AMQP,
        help="the broker as an administrator (declares the queue); default: guest on 127.0.0.1",
    )
    user.add_argument("--password", help="default: a new random one, shown once")
    user.add_argument("--rabbitmqctl", default=shutil.which("rabbitmqctl") or "rabbitmqctl")
    user.add_argument("--delete", action="store_true", help="remove the user and its queue")


def run_partner(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """Run `lexseal partner bus-user`; print JSON; return the exit status."""
    try:
        if args.delete:
            delete_bus_user(
                args.name,
                exchange=args.exchange,
                amqp_url=args.amqp_url,
                rabbitmqctl=args.rabbitmqctl,
            )
            print(json.dumps({"deleted": args.name}), file=out)
            return 0
        made = create_bus_user(
            args.name,
            exchange=args.exchange,
            routing_keys=tuple(args.routing_keys or ["#"]),
            amqp_url=args.amqp_url,
            password=args.password,
            rabbitmqctl=args.rabbitmqctl,
        )
    except (BusUserError, OSError) as exc:
        print(f"lexseal partner bus-user: {exc}", file=err)
        return 1
    print(
        json.dumps(
            {
                "user": made.name,
                "password": made.password,
                "queue": made.queue,
                "exchange": made.exchange,
                "routing_keys": list(made.routing_keys),
                "amqp_url": made.amqp_url,
            }
        ),
        file=out,
    )
    return 0
