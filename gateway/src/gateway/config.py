"""Gateway settings (`GATEWAY_*`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.config import ServiceSettings

from .domain.client_address import parse_networks

SERVICES = ("contract", "review", "signing", "letters", "notify")


class Settings(ServiceSettings):
    """Settings of the gateway: upstream services, JWT signing, rate limits."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    port: int = 8000
    contract_url: str = "http://127.0.0.1:8101"
    review_url: str = "http://127.0.0.1:8102"
    signing_url: str = "http://127.0.0.1:8103"
    letters_url: str = "http://127.0.0.1:8104"
    notify_url: str = "http://127.0.0.1:8105"
    # the Ed25519 signing key; in development generated into data_dir/keys on first start
    jwt_private_key_file: Path | None = None
    jwt_ttl_seconds: int = 900
    partner_token_ttl_seconds: int = 120
    # the exchange partners consume from (notify publishes to it), named in /asyncapi.json
    partner_exchange: str = "lexseal.partner"
    login_max_failures: int = 10
    login_window_seconds: int = 900
    # how long a user's token version is trusted before it is read again (other replicas'
    # revocations apply within this; this gateway's own apply at once)
    token_version_ttl_seconds: float = 2.0
    # per-client token bucket (requests per second, burst); 0 disables it
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200
    # shared state of every gateway replica (lockouts, rate buckets, revocations); empty: in
    # this process only, which is right for one replica (make run) and wrong for more
    redis_url: str = ""
    redis_prefix: str = "lexseal:gw:"
    # with Redis, a token version read from the database is kept this long; every change
    # made at any replica is written through at once, so this only bounds a failed write
    redis_token_version_ttl_seconds: float = 300.0
    # load balancers whose X-Forwarded-For is believed (CIDRs or addresses, JSON list)
    trusted_proxies: tuple[str, ...] = ()
    upstream_connect_timeout: float = 3.0
    upstream_read_timeout: float = 120.0
    upstream_pool_size: int = 200
    health_timeout: float = 2.0
    openapi_ttl_seconds: float = 30.0
    web_dir: Path | None = None

    @model_validator(mode="after")
    def _gateway_defaults(self) -> Settings:
        try:
            parse_networks(self.trusted_proxies)
        except ValueError as exc:
            raise ValueError(f"GATEWAY_TRUSTED_PROXIES: {exc}") from None
        if self.environment == "production" and self.jwt_private_key_file is None:
            raise ValueError(
                "production refuses a generated dev key: set GATEWAY_JWT_PRIVATE_KEY_FILE"
            )
        return self

    def service_urls(self) -> dict[str, str]:
        """Return each upstream service's base URL, by name."""
        return {name: str(getattr(self, f"{name}_url")).rstrip("/") for name in SERVICES}

    @property
    def private_key_path(self) -> Path:
        """Return where the JWT signing key lives."""
        return self.jwt_private_key_file or self.data_dir / "keys" / "jwt-ed25519.pem"


@lru_cache
def get_settings() -> Settings:
    """Return the settings read from the environment (once)."""
    return Settings()
