"""What the running gateway holds: settings, database, signing key, pools, limits, caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servicekit.auth import TokenVerifier
from servicekit.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .adapters.upstream import Upstreams
from .config import Settings
from .domain.ratelimit import FailureWindow, TokenBucket
from .domain.tokens import TokenIssuer
from .domain.verify import CachedVerifier


@dataclass
class GatewayState:
    """The gateway's runtime, built in the lifespan and kept on `app.state.gateway`."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    issuer: TokenIssuer
    verifier: TokenVerifier
    fast_verifier: CachedVerifier
    upstreams: Upstreams
    client_limit: TokenBucket
    login_failures: FailureWindow
    # api-key sha256 -> (minted bearer token, valid until monotonic time)
    partner_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    openapi_cache: tuple[float, dict[str, Any]] | None = None

    def uow(self) -> UnitOfWork:
        """Return a new unit of work on the gateway's database."""
        return UnitOfWork(self.sessionmaker, source="lexseal/gateway")
