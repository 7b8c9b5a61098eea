"""The settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INTERNAL_SECRET = "dev-internal-secret-change-me"  # noqa: S105 - refused in production
MIN_SECRET_BYTES = 32
# the development default, refused in production: a QR or certificate would point at it forever
_LOCAL_PUBLIC_URLS = {"http://127.0.0.1:8000", "http://localhost:8000", ""}


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
    # consumer tuning: attempts before a failing message goes to the dead-letter queue
    max_deliveries: int = 5
    # seconds between attempts (the last repeats); each delay is a queue <queue>.retry.<ms>ms
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    # readiness: a consumer with work waiting and no progress (no handler finished, nothing
    # acked) this long is stalled; an outbox whose oldest unsent event is older than this has
    # a backlog
    consumer_stall_seconds: float = 60.0
    outbox_backlog_seconds: float = 30.0
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
    # OpenTelemetry traces exported by OTLP/HTTP to this endpoint (servicekit.tracing); empty:
    # the standard OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, and when neither is set tracing is off
    otlp_endpoint: str = ""
    log_json: bool = True
    # connections per replica (PostgreSQL): replicas x (size + overflow) must fit the
    # server's max_connections
    db_pool_size: int = 10
    db_max_overflow: int = 10
    relay_batch: int = 500
    relay_poll_interval: float = 0.5
    # where documents and key files live (servicekit.blobs): auto = postgres when the
    # database is PostgreSQL, else a local directory (blob_dir, default data_dir/blobs/<service>)
    blob_store: Literal["auto", "local", "postgres", "s3"] = "auto"
    blob_dir: Path | None = None
    s3_bucket: str = ""
    s3_prefix: str | None = None  # default "<service>/"
    s3_endpoint_url: str | None = None  # MinIO / OSS endpoint; unset for AWS
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # false when a migrate Job/command owns migrations: the service then waits up to
    # schema_wait_seconds for the schema its code needs, and refuses to start after that
    migrate_on_start: bool = True
    schema_wait_seconds: float = 120.0

    @model_validator(mode="after")
    def _defaults(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / self.service_name}.db"
        if not self.internal_base_url:
            self.internal_base_url = f"http://{self.host}:{self.port}"
        if self.environment == "production":
            self._refuse_unsafe_production()
        return self

    def _refuse_unsafe_production(self) -> None:
        # Name the setting to fix, never its value (it is a secret).
        prefix = (self.model_config.get("env_prefix") or "LEXSEAL_").upper()
        if self.internal_secret == DEV_INTERNAL_SECRET:
            raise ValueError(
                f"production refuses the default internal secret: set {prefix}INTERNAL_SECRET"
            )
        if len(self.internal_secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"production needs {prefix}INTERNAL_SECRET of at least {MIN_SECRET_BYTES} bytes"
            )
        if self.public_base_url.rstrip("/") in _LOCAL_PUBLIC_URLS:
            raise ValueError(
                f"production needs {prefix}PUBLIC_BASE_URL: the address users reach the gateway"
                " at (it is written into QR codes, signed PDFs and certificates)"
            )

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
