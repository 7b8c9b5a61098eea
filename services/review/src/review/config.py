"""Review settings (`REVIEW_*`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings

from .domain.checklist import REASON_LABELS


class Settings(ServiceSettings):
    """Settings of the review service."""

    model_config = SettingsConfigDict(env_prefix="REVIEW_", extra="ignore")

    service_name: str = "review"
    port: int = 8102
    # REVIEW_REASON_CODES='["document_incomplete","other"]' narrows or extends the list
    reason_codes: list[str] = Field(default_factory=lambda: list(REASON_LABELS))


@lru_cache
def get_settings() -> Settings:
    """Return the settings read from the environment (once)."""
    return Settings()
