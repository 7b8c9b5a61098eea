"""Route dependencies: the gateway's dependencies, a unit of work, the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from servicekit.app import UowDep, deps_of
from servicekit.auth import Principal
from servicekit.domain import Forbidden, Role, Unauthorized
from servicekit.idempotency import DESCRIPTION as IDEMPOTENCY_DESCRIPTION
from servicekit.idempotency import IDEMPOTENCY_HEADER, IdempotentRequest

from ..deps import GatewayDeps
from ..service_layer.users import check_not_revoked

__all__ = ["AdminIdempotent", "AdminUser", "CurrentUser", "Deps", "UowDep"]

Deps = Annotated[GatewayDeps, Depends(deps_of(GatewayDeps))]


def peer_ip(request: Request) -> str | None:
    """Return the address the connection comes from (the gateway is the edge: headers lie)."""
    return request.client.host if request.client else None


async def current_user(request: Request, deps: Deps) -> Principal:
    """Return the caller named by a valid bearer token, or answer 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    p = deps.verifier.verify(token.strip())
    await check_not_revoked(deps.token_versions, deps.fast_verifier.check(token.strip()))
    return Principal(
        id=p.id,
        username=p.username,
        display_name=p.display_name,
        roles=p.roles,
        ip=peer_ip(request),
        user_agent=request.headers.get("user-agent"),
    )


CurrentUser = Annotated[Principal, Depends(current_user)]


async def require_admin(user: CurrentUser) -> Principal:
    """Return the caller when they are an admin, else answer 403."""
    if not user.has(Role.ADMIN):
        raise Forbidden(details={"required_roles": [Role.ADMIN.value]})
    return user


AdminUser = Annotated[Principal, Depends(require_admin)]


async def admin_idempotent(
    request: Request,
    admin: AdminUser,
    key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description=IDEMPOTENCY_DESCRIPTION,
        ),
    ] = None,
) -> IdempotentRequest:
    """Return an admin request's Idempotency-Key (servicekit keeps keys and first answers)."""
    route = request.scope.get("route")
    return IdempotentRequest(
        request=request,
        key=key,
        principal=admin.id,
        route=f"{request.method} {getattr(route, 'path', request.url.path)}",
        status_code=getattr(route, "status_code", None) or 200,
    )


# an admin's creating request, applied once per Idempotency-Key
AdminIdempotent = Annotated[IdempotentRequest, Depends(admin_idempotent)]
