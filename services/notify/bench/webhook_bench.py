"""Measure webhook fan-out on PostgreSQL: events recorded per second, deliveries POSTed per second.

Run: .venv/bin/python services/notify/bench/webhook_bench.py [--events 500 --subscriptions 3]
Needs the local PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import httpx
from aiohttp import web
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from notify.adapters.tables import WebhookSubscription
from notify.bootstrap import MIGRATIONS
from notify.config import Settings
from notify.deps import NotifyDeps
from notify.domain.webhooks import new_secret
from notify.entrypoints.consumers import handlers
from notify.service_layer.dispatch import deliver_due_webhooks
from servicekit.db import create_engine, make_sessionmaker
from servicekit.migrations import upgrade
from servicekit.testing import DEFAULT_PG_ADMIN, PostgresDatabase
from servicekit.uow import UnitOfWork


async def main(events: int, subscriptions: int) -> None:
    received = 0

    async def ok(request: web.Request) -> web.Response:
        nonlocal received
        await request.read()
        received += 1
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    with PostgresDatabase(os.environ.get("DATABASE_URL", DEFAULT_PG_ADMIN), prefix="bench") as url:
        await asyncio.to_thread(upgrade, script_location=MIGRATIONS, database_url=url)
        engine = create_engine(url)
        sm = make_sessionmaker(engine)

        def uow() -> UnitOfWork:
            return UnitOfWork(sm, source="lexseal/notify")

        async with uow() as u:
            for _ in range(subscriptions):
                u.session.add(
                    WebhookSubscription(
                        owner_id="p",
                        url=f"http://127.0.0.1:{port}/hook",
                        event_types=json.dumps(["contract.*"]),
                        secret=new_secret(),
                    )
                )
            await u.commit()

        consumer = handlers.bind(NotifyDeps(settings=Settings(), channels={}))
        t = time.perf_counter()
        for n in range(events):
            e = ContractWithdrawn(
                source="lexseal/contract",
                subject=f"c-{n}",
                data=ContractWithdrawnData(
                    contract_id=f"c-{n}", round=1, owner_id="l", actor_id="l"
                ),
            )
            await consumer.handle(e.to_json(), uow)
        took = time.perf_counter() - t
        print(
            f"record: {events} events x {subscriptions} subscriptions in {took:.1f}s "
            f"= {events / took:.0f} events/s"
        )

        settings = Settings(database_url=url, dispatch_batch=50)
        t = time.perf_counter()
        async with httpx.AsyncClient(timeout=10) as client:
            while await deliver_due_webhooks(uow_factory=uow, client=client, settings=settings):
                pass
        took = time.perf_counter() - t
        print(
            f"deliver: {received} signed POSTs in {took:.1f}s = {received / took:.0f} deliveries/s"
        )
        await engine.dispose()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--subscriptions", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.subscriptions))
