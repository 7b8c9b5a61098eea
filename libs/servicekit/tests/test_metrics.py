"""Operator metrics: the outbox backlog gauges follow what the health monitor last saw."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from servicekit.db import create_engine, utcnow
from servicekit.health import HealthMonitor
from servicekit.tables import OutboxMessage
from sqlalchemy import update
from sqlmodel import SQLModel

pytestmark = pytest.mark.integration


def _sample(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def test_outbox_backlog_and_oldest_age_gauges(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
            rows = [
                {
                    "id": f"m{i}",
                    "type": "t",
                    "subject": "s",
                    "payload": "{}",
                    "created_at": utcnow() - timedelta(seconds=age),
                }
                for i, age in enumerate((120, 5, 1))
            ]
            await conn.execute(OutboxMessage.__table__.insert(), rows)  # type: ignore[attr-defined]
        monitor = HealthMonitor(engine=engine, relay=None)
        await monitor.check_once()
        assert _sample("lexseal_outbox_unpublished") == 3
        oldest = _sample("lexseal_outbox_oldest_unpublished_seconds")
        assert oldest is not None and 120 <= oldest < 3600

        async with engine.begin() as conn:
            table = OutboxMessage.__table__  # type: ignore[attr-defined]
            await conn.execute(update(table).values(published_at=utcnow()))
        await monitor.check_once()
        assert _sample("lexseal_outbox_unpublished") == 0
        assert _sample("lexseal_outbox_oldest_unpublished_seconds") == 0
    finally:
        await engine.dispose()
