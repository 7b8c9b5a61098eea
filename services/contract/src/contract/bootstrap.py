"""The composition root: the one place that wires the contract service together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from servicekit.app import DepsFactory, ServiceKit, create_service_app
from servicekit.blobs import open_blob_store

from .adapters.document_store import DocumentStore
from .config import Settings, get_settings
from .deps import ContractDeps
from .entrypoints import api, documents_api
from .entrypoints.consumers import handlers

MIGRATIONS = Path(__file__).parent / "migrations"


def build_deps(settings: Settings) -> DepsFactory[ContractDeps]:
    """Return the builder of contract's dependencies (entered in the app's lifespan)."""

    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[ContractDeps]:
        store = DocumentStore(settings.data_dir / "documents")
        # Uploads cut short by a crash leave their temp files: nobody else will remove them.
        if store.root.is_dir():
            await asyncio.to_thread(store.remove_leftover_parts)
        store.blobs = await open_blob_store(kit.settings, kit.engine)
        try:
            yield ContractDeps(settings=settings, store=store)
        finally:
            await store.blobs.close()

    return deps


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the contract service's app."""
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="lexseal contract",
        description="Contract applications: document upload and checks, signers, status.",
        routers=[api.router, documents_api.router, documents_api.internal_router],
        deps=build_deps(settings),
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )
