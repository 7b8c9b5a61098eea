"""Verify the gateway-issued JWT every request carries; roles for function-level checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, Request

from .domain import Role as Role
from .errors import Forbidden, Unauthorized
from .uow import Actor

# the roles (servicekit.domain.Role) under the names the services import
LAWYER = Role.LAWYER
RISK_CONTROL = Role.RISK_CONTROL
LETTER_ADMIN = Role.LETTER_ADMIN
ADMIN = Role.ADMIN
PARTNER = Role.PARTNER
ROLES = tuple(Role)
# what a partner API key may do, chosen when the key is created (the JWT's `scopes` claim)
CONTRACTS_READ = "contracts:read"
DOCUMENTS_READ = "documents:read"
LETTERS_READ = "letters:read"
WEBHOOKS_MANAGE = "webhooks:manage"
SCOPES = (CONTRACTS_READ, DOCUMENTS_READ, LETTERS_READ, WEBHOOKS_MANAGE)
JWT_ALGORITHMS = ["EdDSA"]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user or a partner system."""

    id: str
    username: str
    display_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    ip: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    user_agent: str | None = None

    def has(self, *roles: Role) -> bool:
        """Tell whether the caller holds any of `roles`."""
        return bool(self.roles.intersection(roles))

    def can(self, scope: str) -> bool:
        """Tell whether the caller's token grants `scope` (partner API keys carry scopes)."""
        return scope in self.scopes

    @property
    def actor(self) -> Actor:
        """Return the caller as an audit-log actor."""
        return Actor(id=self.id, name=self.username, ip=self.ip, user_agent=self.user_agent)


class TokenVerifier:
    """Check a token's signature (the gateway's Ed25519 key), issuer, audience and expiry."""

    def __init__(self, *, public_key_pem: str, issuer: str, audience: str) -> None:
        # Parse the PEM once: PyJWT would parse a PEM string again on every request.
        self._key: Any = (
            serialization.load_pem_public_key(public_key_pem.encode()) if public_key_pem else None
        )
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> Principal:
        """Return the principal a valid token names; raise Unauthorized otherwise."""
        if self._key is None:
            raise Unauthorized("Token verification is not configured", "服务未配置令牌验证")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=JWT_ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Token expired", "登录已过期", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid token", "令牌无效", code="token_invalid") from exc
        return Principal(
            id=str(claims["sub"]),
            username=str(claims.get("name", "")),
            display_name=str(claims.get("display_name", claims.get("name", ""))),
            roles=frozenset(str(r) for r in claims.get("roles", [])),
            scopes=frozenset(str(s) for s in claims.get("scopes", [])),
        )


def client_ip(request: Request) -> str | None:
    """Return the end user's IP (the gateway forwards it; else the peer address)."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else None


def _principal_from(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    p = verifier.verify(token.strip())
    return Principal(
        id=p.id,
        username=p.username,
        display_name=p.display_name,
        roles=p.roles,
        scopes=p.scopes,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )


async def current_user(request: Request) -> Principal:
    """Return the authenticated caller or answer 401."""
    principal = _principal_from(request)
    if principal is None:
        raise Unauthorized()
    return principal


async def optional_user(request: Request) -> Principal | None:
    """Return the caller when a token is present, else None."""
    return _principal_from(request)


def require_roles(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """Return a dependency that answers 403 unless the caller holds one of `roles`."""

    async def dependency(request: Request) -> Principal:
        principal = await current_user(request)
        if not principal.has(*roles):
            raise Forbidden(details={"required_roles": [r.value for r in roles]})
        return principal

    return dependency


def require_scope(
    scope: str, *, or_roles: tuple[Role, ...] = ()
) -> Callable[[Request], Awaitable[Principal]]:
    """Return a dependency that answers 403 unless the token grants `scope` or holds `or_roles`."""

    async def dependency(request: Request) -> Principal:
        principal = await current_user(request)
        if not principal.can(scope) and not principal.has(*or_roles):
            raise Forbidden(
                "This API key lacks the scope this route needs",
                "该 API 密钥未获授权访问此接口",
                code="insufficient_scope",
                details={"required_scope": scope},
            )
        return principal

    return dependency


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]
