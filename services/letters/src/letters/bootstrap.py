"""The one place that wires the letters service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from servicekit.app import create_service_app

from .adapters.page_cache import PageImageCache
from .config import Settings, get_settings
from .entrypoints import api, api_addresses, api_admin, api_partner, api_shares, internal
from .entrypoints.consumers import build_consumer
from .entrypoints.errors import install_letter_errors

MIGRATIONS = Path(__file__).parent / "migrations"


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
    )
    install_letter_errors(app)
    app.state.page_images = PageImageCache(
        settings.page_image_dir, max_bytes=settings.page_image_cache_mb * 1024 * 1024
    )
    return app
