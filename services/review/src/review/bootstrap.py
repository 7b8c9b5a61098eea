"""The composition root: the one place that wires the review service together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit.app import DepsFactory, ServiceKit, create_service_app

from .config import Settings, get_settings
from .deps import ReviewDeps
from .entrypoints.api import router
from .entrypoints.consumers import handlers

MIGRATIONS = Path(__file__).parent / "migrations"


def build_deps(settings: Settings) -> DepsFactory[ReviewDeps]:
    """Return the builder of review's dependencies (entered in the app's lifespan)."""

    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[ReviewDeps]:
        yield ReviewDeps(settings=settings)

    return deps


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the review service's app."""
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="lexseal review",
        description="Risk-control review: queue, claim, approve or reject, round history.",
        routers=[router],
        deps=build_deps(settings),
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )
