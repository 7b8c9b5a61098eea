"""The one place that wires the contract service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from servicekit.app import create_service_app

from .adapters.document_store import DocumentStore
from .config import Settings, get_settings
from .entrypoints import api, documents_api
from .entrypoints.consumers import build_consumer

MIGRATIONS = Path(__file__).parent / "migrations"


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
    )
    app.state.documents = store
    return app
