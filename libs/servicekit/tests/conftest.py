"""Fixtures: the real PostgreSQL and RabbitMQ of this machine (env vars), isolated per test run."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest

pytest_plugins = ["servicekit.pytest_plugin"]  # amqp_url, pg_url


@pytest.fixture
def names() -> dict[str, str]:
    run = uuid.uuid4().hex[:10]
    return {"exchange": f"lexseal.test.{run}", "queue_prefix": f"lexseal.test.{run}"}


@pytest.fixture
async def cleanup_topology(amqp_url: str, names: dict[str, str]) -> AsyncIterator[list[str]]:
    queues: list[str] = []
    yield queues
    from servicekit.messaging import delete_topology

    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        await delete_topology(ch, exchange=names["exchange"], queues=queues)


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/kit.db"
