"""Notify settings (`NOTIFY_*`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the notify service."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify"
    port: int = 8105


@lru_cache
def get_settings() -> Settings:
    """Return the settings read from the environment (once)."""
    return Settings()
