"""The composition root: the one place that wires the letters service together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit.app import DepsFactory, ServiceKit, create_service_app
from servicekit.blobs import attach_to_sessions, open_blob_store

from .adapters.page_cache import PageImageCache
from .config import Settings, get_settings
from .deps import LettersDeps
from .entrypoints import api, api_addresses, api_admin, api_partner, api_shares, internal
from .entrypoints.consumers import handlers

MIGRATIONS = Path(__file__).parent / "migrations"


def build_deps(settings: Settings) -> DepsFactory[LettersDeps]:
    """Return the builder of letters' dependencies; the blob store is open while they are."""

    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[LettersDeps]:
        # rendered and sealed letters live there, not on this replica's disk
        blobs = await open_blob_store(settings, kit.engine)
        attach_to_sessions(kit.sessionmaker, blobs)
        try:
            yield LettersDeps(
                settings=settings,
                blobs=blobs,
                page_images=PageImageCache(
                    settings.page_image_dir, max_bytes=settings.page_image_cache_mb * 1024 * 1024
                ),
            )
        finally:
            await blobs.close()

    return deps


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the letters service's app."""
    settings = settings or get_settings()
    # Refuse to start at all rather than fail on the first approval.
    settings.check_font()
    return create_service_app(
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
        deps=build_deps(settings),
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )
