"""The one place that wires the contract service together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit.app import ExtraLifespan, ServiceKit, create_service_app
from servicekit.blobs import open_blob_store

from .adapters.document_store import DocumentStore
from .config import Settings, get_settings
from .entrypoints import api, documents_api
from .entrypoints.consumers import build_consumer

MIGRATIONS = Path(__file__).parent / "migrations"


def _cleans_leftovers(store: DocumentStore) -> ExtraLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI, kit: ServiceKit) -> AsyncIterator[None]:
        # Uploads cut short by a crash leave their temp files: nobody else will remove them.
        if store.root.is_dir():
            await asyncio.to_thread(store.remove_leftover_parts)
        store.blobs = await open_blob_store(kit.settings, kit.engine)
        try:
            yield
        finally:
            await store.blobs.close()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the contract service's app."""
    settings = settings or get_settings()
    store = DocumentStore(settings.data_dir / "documents")
    app = create_service_app(
        settings=settings,
        title="lexseal contract",
        description="Contract applications: document upload and checks, signers, status.",
        routers=[api.router, documents_api.router, documents_api.internal_router],
        consumer=build_consumer(
            store=store,
            secret=settings.internal_secret,
            max_signed_bytes=settings.max_signed_mb * 1024 * 1024,
        ),
        migrations_dir=MIGRATIONS,
        extra_lifespan=_cleans_leftovers(store),
    )
    app.state.documents = store
    return app
