"""Use cases: issue partner API keys and exchange one for a short-lived bearer token."""

from __future__ import annotations

import hashlib
import secrets
import time

from servicekit.auth import SCOPES, WEBHOOKS_MANAGE, Principal
from servicekit.db import utcnow
from servicekit.domain import NotFound, Role
from servicekit.uow import UnitOfWork

from ..adapters.limits import Revocations
from ..adapters.repository import ApiKeyRepository
from ..adapters.tables import ApiKey
from ..domain.errors import ApiKeyRoleRefused, InvalidApiKey, UnknownScope
from ..domain.tokens import TokenIssuer
from .users import check_roles

KEY_PREFIX = "lsk_"
# a key created without naming scopes may do what partner keys always could: manage webhooks
DEFAULT_SCOPES = (WEBHOOKS_MANAGE,)
# a minted partner token is reused for this long at most (a revoked key stops within it)
CACHE_SECONDS = 30.0


def key_hash(raw: str) -> str:
    """Return the SHA-256 (hex) under which a key is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


def check_scopes(scopes: list[str] | None) -> list[str]:
    """Return `scopes` sorted and deduplicated (the default when None); refuse unknown ones."""
    chosen = list(DEFAULT_SCOPES) if scopes is None else scopes
    unknown = sorted(set(chosen) - set(SCOPES))
    if unknown:
        raise UnknownScope(details={"unknown": unknown, "allowed": list(SCOPES)})
    return sorted(set(chosen))


async def create_api_key(
    uow: UnitOfWork,
    *,
    actor: Principal,
    name: str,
    roles: list[str],
    scopes: list[str] | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for a partner system; return the row and the raw key (shown once)."""
    if Role.ADMIN in roles:
        # a key never expires and is typed into other systems: it must not carry user admin
        raise ApiKeyRoleRefused(details={"refused": [Role.ADMIN.value]})
    chosen = check_scopes(scopes)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=raw[:10],
        key_hash=key_hash(raw),
        roles=check_roles(roles or [Role.PARTNER]),
        scopes=chosen,
        created_by=actor.id,
    )
    ApiKeyRepository(uow.session).add(key)
    uow.audit(
        actor=actor.actor,
        action="api_key.created",
        object_type="api_key",
        object_id=str(key.id),
        after={"name": name, "roles": key.roles, "scopes": key.scopes},
    )
    await uow.commit()
    return key, raw


async def list_api_keys(uow: UnitOfWork) -> list[ApiKey]:
    """Return every key (never the raw value)."""
    return await ApiKeyRepository(uow.session).all()


async def revoke_api_key(
    uow: UnitOfWork,
    *,
    actor: Principal,
    key_id: str,
    cache: dict[str, tuple[str, float]],
    revocations: Revocations | None = None,
) -> ApiKey:
    """Deactivate a key: at once here and, through ``revocations``, at every other replica."""
    key = await ApiKeyRepository(uow.session).get(key_id)
    if key is None:
        raise NotFound()
    key.active = False
    uow.audit(
        actor=actor.actor, action="api_key.revoked", object_type="api_key", object_id=str(key.id)
    )
    await uow.commit()
    cache.pop(key.key_hash, None)
    if revocations is not None:
        # the database is the record; this stops the others' cached tokens before they expire
        await revocations.revoke(key.key_hash)
    return key


async def partner_token(
    uow: UnitOfWork,
    *,
    raw_key: str,
    issuer: TokenIssuer,
    ttl: int,
    cache: dict[str, tuple[str, float]],
    revocations: Revocations | None = None,
) -> str:
    """Return a short-lived bearer token for the partner holding `raw_key`.

    A token minted here is reused for up to CACHE_SECONDS; with ``revocations`` (shared by
    every replica) a key revoked at another replica stops at once instead of within that.
    """
    digest = key_hash(raw_key)
    hit = cache.get(digest)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        if revocations is None or not await revocations.revoked(digest):
            return hit[0]
        cache.pop(digest, None)
    key = await ApiKeyRepository(uow.session).by_hash(digest)
    if key is None:
        cache.pop(digest, None)
        raise InvalidApiKey()
    key.last_used_at = utcnow()
    await uow.commit()
    token = issuer.issue(
        subject=f"apikey:{key.id}",
        username=f"partner:{key.name}",
        display_name=key.name,
        roles=list(key.roles),
        ttl=ttl,
        scopes=list(key.scopes or []),
    ).access_token
    if len(cache) > 10_000:
        cache.clear()
    cache[digest] = (token, now + min(CACHE_SECONDS, ttl / 2))
    return token
