"""What the gateway's routes and its proxy are given: built once, in bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servicekit.auth import TokenVerifier
from sqlalchemy.ext.asyncio import AsyncEngine

from .adapters.limits import AttemptStore, Revocations, TokenVersionStore
from .adapters.redis_state import RedisTokenBucket
from .adapters.upstream import Upstreams
from .config import Settings
from .domain.client_address import Network
from .domain.ratelimit import TokenBucket
from .domain.tokens import TokenIssuer
from .domain.verify import CachedVerifier


@dataclass
class OpenApiCache:
    """The merged OpenAPI document and until when (monotonic time) it is served as is."""

    until: float = 0.0
    document: dict[str, Any] | None = None


@dataclass(frozen=True)
class GatewayDeps:
    """The gateway's dependencies beyond the unit of work: keys, pools, limits, caches."""

    settings: Settings
    engine: AsyncEngine  # the gateway's own database, for its readiness answer
    issuer: TokenIssuer
    verifier: TokenVerifier
    fast_verifier: CachedVerifier
    upstreams: Upstreams
    client_limit: TokenBucket
    login_attempts: AttemptStore
    token_versions: TokenVersionStore
    # shared by every gateway replica when GATEWAY_REDIS_URL is set (adapters/redis_state.py)
    shared_limit: RedisTokenBucket | None = None
    # API keys revoked at any replica (None: one replica, whose own cache is dropped at once)
    revocations: Revocations | None = None
    # load balancers whose X-Forwarded-For names the client (GATEWAY_TRUSTED_PROXIES)
    trusted_proxies: tuple[Network, ...] = ()
    # api-key sha256 -> (minted bearer token, valid until monotonic time)
    partner_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    openapi_cache: OpenApiCache = field(default_factory=OpenApiCache)

    async def take(self, client: str) -> tuple[bool, int]:
        """Take one request from ``client``'s rate bucket: (allowed, Retry-After seconds)."""
        if self.shared_limit is not None:
            return await self.shared_limit.take(client)
        if self.client_limit.allow(client):
            return True, 0
        return False, self.client_limit.retry_after(client)
