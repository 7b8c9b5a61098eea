"""The service the tracing benchmark drives: a kit service whose one route commits an event.

`POST /api/contract/ping` writes a `contract.withdrawn` event to the outbox and commits (the
relay publishes it); the same service consumes it from its own queue (inbox + handler). So
one request crosses every traced hook: the server span, the producer span stored with the
outbox row, the relay's AMQP headers and the consumer's span. Settings: `LEXSEAL_*`.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import APIRouter, FastAPI
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.app import ServiceKit, UowDep, create_service_app
from servicekit.config import ServiceSettings
from servicekit.consumer import EventHandlers
from servicekit.uow import UnitOfWork


@dataclass(frozen=True)
class BenchDeps:
    """The service's dependencies: nothing beyond what the kit holds."""


router = APIRouter()
handlers = EventHandlers[BenchDeps]()


@router.post("/api/contract/ping")
async def ping(uow: UowDep) -> dict[str, str]:
    contract_id = uuid.uuid4().hex
    uow.publish(
        ContractWithdrawn(
            source=uow.source,
            subject=contract_id,
            data=ContractWithdrawnData(
                contract_id=contract_id, round=1, owner_id="o", actor_id="o"
            ),
        )
    )
    await uow.commit()
    return {"id": contract_id}


@handlers.on(ContractWithdrawn)
async def withdrawn(uow: UnitOfWork, event: ContractWithdrawn, deps: BenchDeps) -> None:
    """Apply it (the inbox row is the effect)."""


@asynccontextmanager
async def build_deps(kit: ServiceKit) -> AsyncIterator[BenchDeps]:
    yield BenchDeps()


def create_app() -> FastAPI:
    """Return the benchmark's service (the settings come from LEXSEAL_* variables)."""
    return create_service_app(
        settings=ServiceSettings(),
        title="bench-tracing",
        description="the tracing benchmark's service",
        routers=[router],
        deps=build_deps,
        handlers=handlers,
    )


if __name__ == "__main__":
    uvicorn.run(
        create_app,
        factory=True,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
