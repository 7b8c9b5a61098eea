"""The composition root: the one place that wires the gateway together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit import tracing
from servicekit.app import DepsFactory, ServiceKit
from servicekit.auth import TokenVerifier
from servicekit.db import create_engine, make_sessionmaker
from servicekit.edge import NulGuard, SecurityHeaders
from servicekit.errors import install_error_handlers
from servicekit.heap import freeze_startup_heap
from servicekit.migrations import prepare_schema
from servicekit.observability import CorrelationMiddleware, configure_logging
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from .adapters.keys import load_or_generate, public_pem
from .adapters.limits import (
    AttemptStore,
    MemoryAttemptStore,
    MemoryTokenVersions,
    Revocations,
    TokenVersionStore,
)
from .adapters.redis_state import (
    RedisAttemptStore,
    RedisRevocations,
    RedisTokenBucket,
    RedisTokenVersions,
    connect,
)
from .adapters.repository import UserRepository
from .adapters.upstream import Upstreams
from .config import Settings, get_settings
from .deps import GatewayDeps
from .domain.client_address import parse_networks
from .domain.ratelimit import TokenBucket
from .domain.tokens import TokenIssuer
from .domain.verify import CachedVerifier
from .entrypoints.api import router as auth_router
from .entrypoints.docs import router as docs_router
from .entrypoints.proxy import GatewayMiddleware
from .service_layer.api_keys import CACHE_SECONDS
from .service_layer.users import demo_users_present

MIGRATIONS = Path(__file__).parent / "migrations"
WEB = Path(__file__).parent / "web"
log = logging.getLogger("gateway")


def _cache_control(path: str) -> str:
    # the API answers carry personal data; the web client's files may be kept but revalidated
    return "no-store" if path.startswith("/api/") else "no-cache"


def create_asgi() -> ASGIApp:
    """Return what is served: the proxy in front of FastAPI, so proxied calls skip its layers."""
    app = create_app(proxy=False)
    # the server span wraps the proxy too (nothing when tracing is off)
    return tracing.wrap_asgi(GatewayMiddleware(app))


def build_deps(cfg: Settings) -> DepsFactory[GatewayDeps]:
    """Return the builder of the gateway's dependencies: key, pools, limits, shared state."""

    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[GatewayDeps]:
        key = load_or_generate(cfg.private_key_path, generate=cfg.environment != "production")

        async def load_version(user_id: str) -> int | None:
            async with kit.sessionmaker() as session:
                return await UserRepository(session).token_version(user_id)

        if cfg.environment == "production":
            async with kit.uow() as uow:
                demo = await demo_users_present(uow)
            if demo:
                raise RuntimeError(f"production refuses to start with demo users: {demo}")
        async with AsyncExitStack() as stack:
            login_attempts: AttemptStore = MemoryAttemptStore(
                limit=cfg.login_max_failures, window=cfg.login_window_seconds
            )
            token_versions: TokenVersionStore = MemoryTokenVersions(
                load=load_version, ttl=cfg.token_version_ttl_seconds
            )
            shared_limit: RedisTokenBucket | None = None
            revocations: Revocations | None = None
            if cfg.redis_url:
                # every replica shares lockouts, rate buckets, token versions and revoked keys
                redis = connect(cfg.redis_url)
                stack.push_async_callback(redis.aclose)
                prefix = cfg.redis_prefix
                shared_limit = RedisTokenBucket(
                    redis, rate=cfg.rate_limit_per_second, burst=cfg.rate_limit_burst, prefix=prefix
                )
                login_attempts = RedisAttemptStore(
                    redis,
                    limit=cfg.login_max_failures,
                    window=cfg.login_window_seconds,
                    prefix=prefix,
                )
                token_versions = RedisTokenVersions(
                    redis, load=load_version, prefix=prefix, ttl=cfg.redis_token_version_ttl_seconds
                )
                # kept well past the longest a replica reuses a token minted for a key
                revocations = RedisRevocations(redis, prefix=prefix, ttl=10 * CACHE_SECONDS)
                log.info("gateway shared state in redis (prefix %s)", prefix)
            upstreams = Upstreams(
                urls=cfg.service_urls(),
                connect_timeout=cfg.upstream_connect_timeout,
                read_timeout=cfg.upstream_read_timeout,
                pool_size=cfg.upstream_pool_size,
            )
            stack.push_async_callback(upstreams.close)
            await upstreams.start()
            yield GatewayDeps(
                settings=cfg,
                engine=kit.engine,
                issuer=TokenIssuer(
                    private_key=key, issuer=cfg.jwt_issuer, audience=cfg.jwt_audience
                ),
                verifier=TokenVerifier(
                    public_key_pem=public_pem(key), issuer=cfg.jwt_issuer, audience=cfg.jwt_audience
                ),
                fast_verifier=CachedVerifier(
                    public_key=key.public_key(), issuer=cfg.jwt_issuer, audience=cfg.jwt_audience
                ),
                upstreams=upstreams,
                client_limit=TokenBucket(
                    rate=cfg.rate_limit_per_second, burst=cfg.rate_limit_burst
                ),
                login_attempts=login_attempts,
                token_versions=token_versions,
                shared_limit=shared_limit,
                revocations=revocations,
                trusted_proxies=parse_networks(cfg.trusted_proxies),
            )

    return deps


def create_app(settings: Settings | None = None, *, proxy: bool = True) -> FastAPI:
    """Return the gateway's app; all connections are made in its lifespan.

    The gateway is no service of the bus (no relay, no consumer) and serves its own health,
    so it runs its own lifespan, but in the kit's shape: a `ServiceKit` (database, unit of
    work) whose `deps` are the `GatewayDeps` built by `build_deps`; routes get them through
    `deps_of(GatewayDeps)`, the proxy from the kit.
    """
    cfg = settings or get_settings()
    build = build_deps(cfg)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service=cfg.service_name, level=cfg.log_level, json_logs=cfg.log_json)
        await asyncio.to_thread(
            prepare_schema,
            script_location=MIGRATIONS,
            database_url=cfg.database_url,
            migrate=cfg.migrate_on_start,
            wait=cfg.schema_wait_seconds,
        )
        engine = create_engine(
            cfg.database_url, pool_size=cfg.db_pool_size, max_overflow=cfg.db_max_overflow
        )
        kit = ServiceKit(settings=cfg, engine=engine, sessionmaker=make_sessionmaker(engine))
        async with AsyncExitStack() as stack:
            stack.callback(tracing.flush)  # the spans still buffered, last
            stack.push_async_callback(engine.dispose)
            kit.deps = await stack.enter_async_context(build(kit))
            app.state.kit = kit  # the proxy serves from here on (it passes through before)
            freeze_startup_heap()
            log.info("gateway ready on %s:%s", cfg.host, cfg.port)
            yield

    app = FastAPI(
        title="lexseal",
        description="lexseal API: contract e-signing and firm letters, through one gateway.",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = cfg
    install_error_handlers(app)
    app.include_router(auth_router)
    app.include_router(docs_router, include_in_schema=False)
    app.add_middleware(NulGuard)
    app.add_middleware(CorrelationMiddleware, route_header=False)  # its answers go to users
    app.add_middleware(SecurityHeaders, cache_control=_cache_control)
    if proxy:  # in-process use (tests); `serve` puts the proxy outside FastAPI instead
        app.add_middleware(GatewayMiddleware)
        tracing.instrument_app(app, service=cfg.service_name, endpoint=cfg.otlp_endpoint)
    else:
        tracing.configure(cfg.service_name, endpoint=cfg.otlp_endpoint)  # create_asgi wraps
    web = cfg.web_dir or WEB
    if web.is_dir():
        app.mount("/", StaticFiles(directory=web, html=True), name="web")
    return app
