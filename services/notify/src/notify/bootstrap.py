"""The composition root: the one place that wires the notify service together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit.app import DepsFactory, ServiceKit, create_service_app

from .config import Settings, get_settings
from .deps import NotifyDeps
from .entrypoints.api import router
from .entrypoints.consumers import handlers
from .entrypoints.webhook_ops_api import router as webhook_ops_router
from .entrypoints.webhooks_api import router as webhooks_router
from .entrypoints.workers import build_channels, senders

MIGRATIONS = Path(__file__).parent / "migrations"


def build_deps(settings: Settings) -> DepsFactory[NotifyDeps]:
    """Return the builder of notify's dependencies; the senders run while they are open."""

    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[NotifyDeps]:
        channels = build_channels(settings)
        async with senders(uow_factory=kit.uow, settings=settings, channels=channels):
            yield NotifyDeps(settings=settings, channels=channels)

    return deps


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the notify service's app."""
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="lexseal notify",
        description="In-app notifications, e-mail/SMS delivery and partner webhooks.",
        routers=[router, webhooks_router, webhook_ops_router],
        deps=build_deps(settings),
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )
