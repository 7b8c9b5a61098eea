"""The one place that wires the letters service together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit.app import ExtraLifespan, ServiceKit, create_service_app
from servicekit.blobs import attach_to_sessions, open_blob_store

from .adapters.page_cache import PageImageCache
from .config import Settings, get_settings
from .entrypoints import api, api_addresses, api_admin, api_partner, api_shares, internal
from .entrypoints.consumers import build_consumer
from .entrypoints.errors import install_letter_errors

MIGRATIONS = Path(__file__).parent / "migrations"


def _blob_store(settings: Settings) -> ExtraLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI, kit: ServiceKit) -> AsyncIterator[None]:
        # rendered and sealed letters live there, not on this replica's disk
        blobs = await open_blob_store(settings, kit.engine)
        attach_to_sessions(kit.sessionmaker, blobs)
        try:
            yield
        finally:
            await blobs.close()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the letters service's app."""
    settings = settings or get_settings()
    # Refuse to start at all rather than fail on the first approval.
    settings.check_font()
    app = create_service_app(
        settings=settings,
        title="lexseal letters",
        description="Electronic and paper firm letters: application, approval, numbering, "
        "rendering, sealing, share links, pick-up and mailing.",
        routers=[
            api.router,
            api_partner.router,
            api_admin.router,
            api_shares.router,
            api_addresses.router,
            api_shares.public_router,
            internal.router,
        ],
        consumer=build_consumer(settings),
        migrations_dir=MIGRATIONS,
        extra_lifespan=_blob_store(settings),
    )
    install_letter_errors(app)
    app.state.page_images = PageImageCache(
        settings.page_image_dir, max_bytes=settings.page_image_cache_mb * 1024 * 1024
    )
    return app
