"""Build a service's app: database, outbox relay, consumer, auth, errors, health, metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from . import tracing
from .auth import TokenVerifier
from .config import ServiceSettings
from .consumer import EventHandlers
from .db import create_engine, is_postgres, make_sessionmaker
from .edge import NulGuard, SecurityHeaders
from .errors import install_error_handlers
from .health import HealthMonitor, Snapshot
from .heap import freeze_startup_heap
from .migrations import prepare_schema
from .observability import CorrelationMiddleware, configure_logging
from .queue_consumer import QueueConsumer
from .queue_metrics import QueueDepthProbe
from .relay import OutboxRelay
from .uow import UnitOfWork

log = logging.getLogger("servicekit.app")
D = TypeVar("D")


@dataclass
class ServiceKit:
    """What a running service holds: settings, database, relay, consumer, health, and the
    service's own dependencies (`deps`, built by its composition root: see `DepsFactory`)."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    relay: OutboxRelay | None = None
    consumer: QueueConsumer | None = None
    health: HealthMonitor | None = None
    deps: Any = None

    def uow(self) -> UnitOfWork:
        """Return a new unit of work bound to this service's database and relay."""
        return UnitOfWork(
            self.sessionmaker,
            source=f"lexseal/{self.settings.service_name}",
            on_commit=self.relay.committed if self.relay else None,
        )

    def readiness(self) -> Snapshot:
        """Return each dependency's state as last seen (no I/O: answers at once)."""
        if self.health is None:
            snap = Snapshot()
            snap.set("startup", "not_finished", "the service is still starting")
            return snap
        return self.health.snapshot()


DepsFactory = Callable[[ServiceKit], AbstractAsyncContextManager[D]]
"""A composition root's builder: given the running kit, enter the service's own resources
(stores, key rings, background loops) and yield its typed dependencies object; what follows
the yield closes them. Routes get the object through `deps_of(cls)`, event handlers as their
third argument."""


def get_kit(request: Request) -> ServiceKit:
    """Return the running service's kit."""
    kit: ServiceKit = request.app.state.kit
    return kit


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """Yield a unit of work for one request (rolled back unless the route commits)."""
    async with get_kit(request).uow() as uow:
        yield uow


def deps_of(cls: type[D]) -> Callable[[Request], D]:
    """Return a FastAPI dependency answering the service's dependencies object, typed `cls`.

    `Deps = Annotated[ReviewDeps, Depends(deps_of(ReviewDeps))]` in the service's
    entrypoints/deps.py, then `deps: Deps` in a route.
    """

    def get_deps(request: Request) -> D:
        deps = get_kit(request).deps
        if not isinstance(deps, cls):
            raise RuntimeError(f"the service's dependencies are not a {cls.__name__}: {deps!r}")
        return deps

    return get_deps


KitDep = Annotated[ServiceKit, Depends(get_kit)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    version: str = "0.1.0",
    routers: list[APIRouter],
    migrations_dir: Path | None = None,
    migrate_on_start: bool = True,
    deps: DepsFactory[D] | None = None,
    handlers: EventHandlers[D] | None = None,
) -> FastAPI:
    """Return the service's app; all connections are made in its lifespan, none at import.

    A service passes `deps` (its composition root's builder of its typed dependencies) and
    `handlers` (its event handlers, bound to those dependencies once they are built).
    """

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
        engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        kit = ServiceKit(settings=settings, engine=engine, sessionmaker=make_sessionmaker(engine))
        app.state.kit = kit
        async with AsyncExitStack() as stack:
            stack.push_async_callback(engine.dispose)
            stack.callback(tracing.flush)  # the spans still buffered, last
            # Neither the relay nor the consumer waits for the broker: they connect (and
            # reconnect) in the background, so the service starts, reads and commits
            # (outbox) while the broker is away.
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
            if deps is not None:
                kit.deps = await stack.enter_async_context(deps(kit))
            # Consumers start only once the service's dependencies are built, and stop before
            # they are closed: no delivery ever meets a half-built service.
            if handlers is not None and handlers.routing_keys:
                kit.consumer = QueueConsumer(
                    handlers.bind(kit.deps),
                    amqp_url=settings.amqp_url,
                    exchange=settings.exchange,
                    queue_name=settings.queue_name,
                    uow_factory=kit.uow,
                    prefetch=settings.prefetch,
                    max_batch=settings.consumer_max_batch,
                    max_attempts=settings.max_deliveries,
                    max_deliveries=settings.max_deliveries,
                    retry_delays=settings.retry_delays,
                    stall_after=settings.consumer_stall_seconds,
                )
                await kit.consumer.start()
                stack.push_async_callback(kit.consumer.stop)
                # With a broker at hand, have the queue declared before serving (an event
                # published before its queue exists is dropped by the broker); without
                # one, go on at once.
                await kit.consumer.first_attempt.wait()
                probe = QueueDepthProbe(amqp_url=settings.amqp_url, queue=settings.queue_name)
                await probe.start()
                stack.push_async_callback(probe.stop)
            health = HealthMonitor(
                engine=engine,
                relay=kit.relay,
                consumer=kit.consumer,
                backlog_limit=settings.outbox_backlog_seconds,
            )
            await health.start()
            kit.health = health
            stack.push_async_callback(health.stop)
            freeze_startup_heap()
            log.info("%s ready on %s", settings.service_name, settings.internal_base_url)
            yield

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)  # its guard sits inside CorrelationMiddleware: logs keep the id
    app.add_middleware(NulGuard)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(SecurityHeaders)  # on every answer, errors included
    # outermost when tracing is on (the server span covers every layer); nothing when off
    tracing.instrument_app(app, service=settings.service_name, endpoint=settings.otlp_endpoint)
    for router in routers:
        app.include_router(router)
    app.include_router(_ops_router(), include_in_schema=False)
    return app


def _ops_router() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        """Answer while the process is alive."""
        return {"status": "ok", "service": request.app.state.settings.service_name}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Answer at once from cached state: 200 when every dependency is ok, else 503 + why."""
        kit: ServiceKit | None = getattr(request.app.state, "kit", None)
        if kit is not None:
            snap = kit.readiness()
        else:
            snap = Snapshot()
            snap.set("startup", "not_finished", "the service is still starting")
        body = {
            "service": request.app.state.settings.service_name,
            "status": "ready" if snap.ready else "not_ready",
            "checks": snap.checks,
            "reasons": snap.reasons,
        }
        return JSONResponse(body, status_code=200 if snap.ready else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        """Expose Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
