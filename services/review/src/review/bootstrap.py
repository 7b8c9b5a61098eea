"""The one place that wires the review service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from servicekit.app import create_service_app

from .config import Settings, get_settings
from .entrypoints.api import router
from .entrypoints.consumers import consumer

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the review service's app."""
    return create_service_app(
        settings=settings or get_settings(),
        title="lexseal review",
        description="Risk-control review: queue, claim, approve or reject, round history.",
        routers=[router],
        consumer=consumer,
        migrations_dir=MIGRATIONS,
    )
