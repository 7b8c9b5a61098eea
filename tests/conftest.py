"""Cross-service tests: the real processes (deploy/system.py), PostgreSQL and RabbitMQ."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

from servicekit.testing import (  # noqa: E402
    PostgresDatabase,
    amqp_url_or_skip,
    postgres_admin_url_or_skip,
)
from system import SERVICES, System, free_port  # noqa: E402

pytest_plugins = ["servicekit.pytest_plugin"]


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """Run every service and the gateway, each on its own PostgreSQL database, on free ports."""
    amqp_url = amqp_url_or_skip()
    admin = postgres_admin_url_or_skip()
    run = uuid.uuid4().hex[:8]
    with ExitStack() as stack:
        dbs = {
            name: stack.enter_context(PostgresDatabase(admin, prefix=f"e2e_{name}"))
            for name in (*SERVICES, "gateway")
        }
        sys_ = System(
            data_dir=tmp_path_factory.mktemp("lexseal"),
            amqp_url=amqp_url,
            ports={name: free_port() for name in (*SERVICES, "gateway")},
            exchange=f"lexseal.e2e.{run}",
            queue_prefix=f"lexseal.e2e.{run}",
            database_urls=dbs,
            extra_env={"LEXSEAL_LOG_JSON": "true"},
        )
        try:
            sys_.start()
            sys_.wait_ready(timeout=180)
        except Exception:
            for name in sys_.processes:
                log = sys_.log_path(name)
                if log.exists():
                    print(f"--- {name} log (tail) ---\n{log.read_text()[-3000:]}")
            sys_.stop()
            raise
        try:
            yield sys_
        finally:
            sys_.stop()
            _delete_bus(amqp_url, sys_)


def _delete_bus(amqp_url: str, sys_: System) -> None:
    import asyncio

    import aio_pika
    from servicekit.messaging import delete_topology

    async def run() -> None:
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            queues = [f"{sys_.queue_prefix}.{name}" for name in SERVICES]
            await delete_topology(await conn.channel(), exchange=sys_.exchange, queues=queues)

    # In a thread of its own: Playwright's sync API may still hold this thread's event loop.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
