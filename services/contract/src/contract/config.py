"""Contract settings (`CONTRACT_*`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the contract service."""

    model_config = SettingsConfigDict(env_prefix="CONTRACT_", extra="ignore")

    service_name: str = "contract"
    port: int = 8101
    max_upload_mb: int = 20
    max_pages: int = 200
    # seconds a PDF check may take before the upload is refused as too complex
    pdf_timeout_s: float = 10
    preview_dpi: int = 72
    # signed documents fetched from the signing service may exceed the upload cap a little
    max_signed_mb: int = 50

    @property
    def max_upload_bytes(self) -> int:
        """Return the upload cap in bytes."""
        return self.max_upload_mb * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    """Return the settings read from the environment (once)."""
    return Settings()
