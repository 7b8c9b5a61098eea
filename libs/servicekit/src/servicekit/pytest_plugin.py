"""Shared pytest fixtures: real PostgreSQL / RabbitMQ, isolated names, a stand-in gateway identity.

Enable in a conftest.py with `pytest_plugins = ["servicekit.pytest_plugin"]`.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from .messaging import delete_topology
from .testing import (
    BrokerProxy,
    PostgresDatabase,
    TestIdentity,
    amqp_url_or_skip,
    postgres_admin_url_or_skip,
    s3_server,
)


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond instead of every 5 ms while the test runs, so an
    unguarded interleaving between threads shows within a few operations."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """Return the URL of the real RabbitMQ (skip when unreachable)."""
    return amqp_url_or_skip()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL database, dropped afterwards."""
    with PostgresDatabase(postgres_admin_url_or_skip(), prefix="t") as url:
        yield url


@pytest.fixture
async def broker_proxy(amqp_url: str) -> AsyncIterator[BrokerProxy]:
    """Yield a TCP proxy to the real broker that the test can cut() and restore()."""
    parsed = urlparse(amqp_url)
    async with BrokerProxy(upstream=(parsed.hostname or "127.0.0.1", parsed.port or 5672)) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Return the URL of an S3-protocol server on loopback (moto's), for the whole session."""
    with s3_server() as url:
        yield url


@pytest.fixture(scope="session")
def identity() -> TestIdentity:
    """Return a stand-in for the gateway's signing key."""
    return TestIdentity()


@pytest.fixture
async def bus(amqp_url: str) -> AsyncIterator[dict[str, str]]:
    """Yield an exchange and queue prefix of this test's own; delete them afterwards."""
    run = uuid.uuid4().hex[:10]
    names = {"exchange": f"lexseal.test.{run}", "queue_prefix": f"lexseal.test.{run}", "queues": ""}
    yield names
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        queues = [q for q in names["queues"].split(",") if q]
        await delete_topology(ch, exchange=names["exchange"], queues=queues)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run `app`'s lifespan and yield an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def publish_raw(amqp_url: str, exchange: str, body: bytes, routing_key: str) -> None:
    """Publish bytes to the test exchange, as another service's relay would."""
    conn = await aio_pika.connect_robust(amqp_url)
    async with conn:
        ch = await conn.channel()
        ex = await ch.get_exchange(exchange)
        await ex.publish(
            aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key,
        )
