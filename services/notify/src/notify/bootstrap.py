"""The one place that wires the notify service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from servicekit.app import create_service_app

from .config import Settings, get_settings
from .entrypoints.api import router
from .entrypoints.consumers import consumer
from .entrypoints.webhook_ops_api import router as webhook_ops_router
from .entrypoints.webhooks_api import router as webhooks_router
from .entrypoints.workers import senders

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the notify service's app."""
    return create_service_app(
        settings=settings or get_settings(),
        title="lexseal notify",
        description="In-app notifications, e-mail/SMS delivery and partner webhooks.",
        routers=[router, webhooks_router, webhook_ops_router],
        consumer=consumer,
        migrations_dir=MIGRATIONS,
        extra_lifespan=senders,
    )
