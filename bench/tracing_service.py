"""The service the tracing benchmark drives: a kit service whose one route commits an event.

`POST /api/contract/ping` writes a `contract.withdrawn` event to the outbox and commits (the
relay publishes it); the same service consumes it from its own queue (inbox + handler). So
one request crosses every traced hook: the server span, the producer span stored with the
outbox row, the relay's AMQP headers and the consumer's span. Settings: `LEXSEAL_*`.
"""

from __future__ import annotations

import sys
import uuid

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from lexseal_events import ContractWithdrawn, ContractWithdrawnData
from servicekit.app import create_service_app
from servicekit.config import ServiceSettings
from servicekit.consumer import EventConsumer
from servicekit.uow import UnitOfWork


def create_app() -> FastAPI:
    """Return the benchmark's service (the settings come from LEXSEAL_* variables)."""
    router = APIRouter()
    consumer = EventConsumer()

    @router.post("/api/contract/ping")
    async def ping(request: Request) -> dict[str, str]:
        contract_id = uuid.uuid4().hex
        async with request.app.state.kit.uow() as uow:
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

    @consumer.on(ContractWithdrawn)
    async def withdrawn(uow: UnitOfWork, event: ContractWithdrawn) -> None:
        """Apply it (the inbox row is the effect)."""

    return create_service_app(
        settings=ServiceSettings(),
        title="bench-tracing",
        description="the tracing benchmark's service",
        routers=[router],
        consumer=consumer,
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
