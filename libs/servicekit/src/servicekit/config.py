"""The settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INTERNAL_SECRET = "dev-internal-secret-change-me"  # noqa: S105 - refused in production


class ServiceSettings(BaseSettings):
    """Base settings: database, broker, identity, links; read from `<PREFIX>_*` variables."""

    model_config = SettingsConfigDict(env_prefix="LEXSEAL_", extra="ignore")

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8100
    data_dir: Path = Path("var")
    database_url: str = ""
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "lexseal.events"
    queue_prefix: str = "lexseal"
    # consumer tuning: redeliveries before a message goes to the dead-letter queue
    max_deliveries: int = 5
    prefetch: int = 32
    # events applied in one transaction when they are waiting together
    consumer_max_batch: int = 32
    jwt_public_key: str = ""
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "lexseal-gateway"
    jwt_audience: str = "lexseal"
    internal_secret: str = DEV_INTERNAL_SECRET
    # how other services reach this one (claim-check URLs) and how users reach the gateway
    internal_base_url: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True
    relay_batch: int = 500
    relay_poll_interval: float = 0.5

    @model_validator(mode="after")
    def _defaults(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / self.service_name}.db"
        if not self.internal_base_url:
            self.internal_base_url = f"http://{self.host}:{self.port}"
        if self.environment == "production" and self.internal_secret == DEV_INTERNAL_SECRET:
            raise ValueError(
                "production refuses the default internal secret: set *_INTERNAL_SECRET"
            )
        return self

    def public_key_pem(self) -> str:
        """Return the gateway's JWT verification key (PEM), from the value or the file."""
        if self.jwt_public_key:
            return self.jwt_public_key
        if self.jwt_public_key_file and self.jwt_public_key_file.exists():
            return self.jwt_public_key_file.read_text()
        return ""

    @property
    def queue_name(self) -> str:
        """Return the durable queue this service consumes from."""
        return f"{self.queue_prefix}.{self.service_name}"
