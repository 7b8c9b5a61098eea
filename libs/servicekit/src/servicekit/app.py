"""Build a service's app: database, outbox relay, consumer, auth, errors, health, metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import aio_pika
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .auth import TokenVerifier
from .config import ServiceSettings
from .consumer import EventConsumer, attach_to_broker
from .db import create_engine, is_postgres, make_sessionmaker
from .errors import install_error_handlers
from .heap import freeze_startup_heap
from .messaging import declare_service_queue
from .migrations import prepare_schema
from .observability import CorrelationMiddleware, configure_logging
from .relay import OutboxRelay
from .uow import UnitOfWork

log = logging.getLogger("servicekit.app")


@dataclass
class ServiceKit:
    """What a running service holds: settings, database, relay, broker."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    relay: OutboxRelay | None = None
    broker: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        """Return a new unit of work bound to this service's database and relay."""
        return UnitOfWork(
            self.sessionmaker,
            source=f"lexseal/{self.settings.service_name}",
            on_commit=self.relay.committed if self.relay else None,
        )

    async def readiness(self) -> dict[str, str]:
        """Return the state of each dependency: 'ok' or what is wrong."""
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        checks["broker"] = "ok" if self.relay and self.relay.connected else "down"
        if self.broker is not None:
            try:
                ok = await self.broker.ping(timeout=2)
            except Exception:
                ok = False
            checks["consumer"] = "ok" if ok else "down"
        return checks


ExtraLifespan = Callable[[FastAPI, ServiceKit], AbstractAsyncContextManager[None]]


def get_kit(request: Request) -> ServiceKit:
    """Return the running service's kit."""
    kit: ServiceKit = request.app.state.kit
    return kit


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """Yield a unit of work for one request (rolled back unless the route commits)."""
    async with get_kit(request).uow() as uow:
        yield uow


KitDep = Annotated[ServiceKit, Depends(get_kit)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    version: str = "0.1.0",
    routers: list[APIRouter],
    consumer: EventConsumer | None = None,
    migrations_dir: Path | None = None,
    extra_lifespan: ExtraLifespan | None = None,
    migrate_on_start: bool = True,
) -> FastAPI:
    """Return the service's app; all connections are made in its lifespan, none at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(
            service=settings.service_name, level=settings.log_level, json_logs=settings.log_json
        )
        key = settings.public_key_pem()
        if settings.environment == "production" and not key:
            raise RuntimeError("production needs the gateway's JWT public key")
        app.state.token_verifier = TokenVerifier(
            public_key_pem=key, issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        if migrate_on_start and migrations_dir is not None:
            await asyncio.to_thread(
                prepare_schema,
                script_location=migrations_dir,
                database_url=settings.database_url,
                migrate=settings.migrate_on_start,
                wait=settings.schema_wait_seconds,
            )
        engine = create_engine(settings.database_url)
        kit = ServiceKit(settings=settings, engine=engine, sessionmaker=make_sessionmaker(engine))
        app.state.kit = kit
        async with AsyncExitStack() as stack:
            stack.push_async_callback(engine.dispose)
            kit.relay = OutboxRelay(
                sessionmaker=kit.sessionmaker,
                amqp_url=settings.amqp_url,
                exchange=settings.exchange,
                skip_locked=is_postgres(settings.database_url),
                batch=settings.relay_batch,
                poll_interval=settings.relay_poll_interval,
            )
            await kit.relay.start()
            stack.push_async_callback(kit.relay.stop)
            if consumer is not None and consumer.routing_keys:
                await _declare_queue(settings, consumer)
                from faststream.rabbit import RabbitBroker

                # FastStream's per-message "Received"/"Processed" lines go to DEBUG: two log
                # lines per event cost more than applying many events.
                broker = RabbitBroker(
                    settings.amqp_url,
                    graceful_timeout=10,
                    log_level=logging.DEBUG,
                    apply_types=False,  # see attach_to_broker
                )
                attach_to_broker(
                    consumer,
                    broker=broker,
                    queue_name=settings.queue_name,
                    uow_factory=kit.uow,
                    prefetch=settings.prefetch,
                    max_batch=settings.consumer_max_batch,
                )
                await broker.start()
                kit.broker = broker
                stack.push_async_callback(broker.stop)
            if extra_lifespan is not None:
                await stack.enter_async_context(extra_lifespan(app, kit))
            freeze_startup_heap()
            log.info("%s ready on %s", settings.service_name, settings.internal_base_url)
            yield

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    app.include_router(_ops_router(), include_in_schema=False)
    return app


async def _declare_queue(settings: ServiceSettings, consumer: EventConsumer) -> None:
    connection = await aio_pika.connect_robust(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        await declare_service_queue(
            channel,
            exchange=settings.exchange,
            queue=settings.queue_name,
            routing_keys=consumer.routing_keys,
            max_deliveries=settings.max_deliveries,
        )


def _ops_router() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        """Answer while the process is alive."""
        return {"status": "ok", "service": request.app.state.settings.service_name}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Answer 200 only when the database and the broker are reachable."""
        kit: ServiceKit | None = getattr(request.app.state, "kit", None)
        checks = await kit.readiness() if kit else {"startup": "not finished"}
        ready = all(v == "ok" for v in checks.values())
        body = {
            "service": request.app.state.settings.service_name,
            "status": "ready" if ready else "not_ready",
            "checks": checks,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        """Expose Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
