"""Thin routes of the gateway's own API: login, the caller, users, partner API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from servicekit.domain import Role

from ..service_layer import api_keys, users
from .deps import AdminIdempotent, AdminUser, CurrentUser, Deps, UowDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    expires_in: int


# 律师执业证号: 17 digits
LICENCE_NO = r"^\d{17}$"
LICENCE_DESCRIPTION = "the lawyer's practising licence number (律师执业证号), 17 digits"


class MePublic(BaseModel):
    id: str
    username: str
    display_name: str
    roles: list[str]
    licence_no: str | None = Field(default=None, description=LICENCE_DESCRIPTION)


class UserPublic(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    licence_no: str | None = None
    roles: list[str]
    active: bool
    created_at: datetime


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=10, max_length=256)
    roles: list[str] = Field(default_factory=list)
    licence_no: str | None = Field(
        default=None, pattern=LICENCE_NO, description=LICENCE_DESCRIPTION
    )


class UserUpdate(BaseModel):
    roles: list[str] | None = None
    active: bool | None = None
    licence_no: str | None = Field(
        default=None,
        pattern=r"^(\d{17})?$",
        description=LICENCE_DESCRIPTION + "; an empty string clears it, omitted leaves it",
    )


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    roles: list[str] = Field(default_factory=lambda: [Role.PARTNER.value])
    scopes: list[str] | None = Field(
        default=None,
        description="contracts:read, documents:read, letters:read, webhooks:manage; "
        "omitted: webhooks:manage only",
    )


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    roles: list[str]
    scopes: list[str] = Field(default_factory=list)
    active: bool
    created_at: datetime
    last_used_at: datetime | None


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
    count: int


class ApiKeyCreated(ApiKeyPublic):
    key: str


@router.post("/login", response_model=TokenPublic)
async def login(body: LoginRequest, uow: UowDep, deps: Deps) -> TokenPublic:
    """Exchange a username and password for a short-lived access token."""
    issued = await users.login(
        uow,
        username=body.username,
        password=body.password,
        attempts=deps.login_attempts,
        issuer=deps.issuer,
        ttl=deps.settings.jwt_ttl_seconds,
    )
    return TokenPublic(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post("/logout", status_code=204)
async def logout(uow: UowDep, deps: Deps, user: CurrentUser) -> Response:
    """End every session of the caller: their tokens stop working on the next request."""
    await users.logout(uow, actor=user, versions=deps.token_versions)
    return Response(status_code=204)


@router.get("/me", response_model=MePublic)
async def me(user: CurrentUser, uow: UowDep) -> MePublic:
    """Return the caller as the token names them, with their licence number from the profile."""
    return MePublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=sorted(user.roles),
        licence_no=await users.licence_of(uow, user_id=user.id),
    )


@router.get("/users", response_model=UsersPublic)
async def list_users(uow: UowDep, _: AdminUser) -> UsersPublic:
    """List every user (admin)."""
    rows = [UserPublic.model_validate(u, from_attributes=True) for u in await users.list_users(uow)]
    return UsersPublic(data=rows, count=len(rows))


@router.post("/users", response_model=UserPublic, status_code=201)
async def create_user(
    body: UserCreate, uow: UowDep, admin: AdminUser, once: AdminIdempotent
) -> UserPublic | Response:
    """Create a user (admin)."""

    async def act() -> UserPublic:
        user = await users.create_user(
            uow,
            actor=admin.actor,
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            roles=body.roles,
            licence_no=body.licence_no,
        )
        return UserPublic.model_validate(user, from_attributes=True)

    return await once.run(uow, act)


@router.patch("/users/{user_id}", response_model=UserPublic)
async def update_user(
    user_id: str, body: UserUpdate, uow: UowDep, deps: Deps, admin: AdminUser
) -> UserPublic:
    """Set a user's roles, licence number or (de)activate them (admin).

    A change of roles or activity ends the user's sessions; a licence number does not.
    """
    user = await users.update_user(
        uow,
        actor=admin,
        user_id=user_id,
        versions=deps.token_versions,
        roles=body.roles,
        active=body.active,
        licence_no=body.licence_no,
    )
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/users/{user_id}/deactivate", response_model=UserPublic)
async def deactivate_user(user_id: str, uow: UowDep, deps: Deps, admin: AdminUser) -> UserPublic:
    """Stop a user from logging in and end their sessions (admin)."""
    user = await users.update_user(
        uow, actor=admin, user_id=user_id, versions=deps.token_versions, active=False
    )
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
async def create_api_key(
    body: ApiKeyCreate, uow: UowDep, admin: AdminUser, once: AdminIdempotent
) -> ApiKeyCreated | Response:
    """Create a partner API key; the key is shown only in this answer (and, sealed, to a
    retry with the same Idempotency-Key within a day)."""

    async def act() -> ApiKeyCreated:
        key, raw = await api_keys.create_api_key(
            uow, actor=admin, name=body.name, roles=body.roles, scopes=body.scopes
        )
        public = ApiKeyPublic.model_validate(key, from_attributes=True)
        return ApiKeyCreated(**public.model_dump(), key=raw)

    return await once.run(uow, act)


@router.get("/api-keys", response_model=ApiKeysPublic)
async def list_api_keys(uow: UowDep, _: AdminUser) -> ApiKeysPublic:
    """List partner API keys without their values (admin)."""
    rows = [
        ApiKeyPublic.model_validate(k, from_attributes=True)
        for k in await api_keys.list_api_keys(uow)
    ]
    return ApiKeysPublic(data=rows, count=len(rows))


@router.delete("/api-keys/{key_id}", response_model=ApiKeyPublic)
async def revoke_api_key(key_id: str, uow: UowDep, deps: Deps, admin: AdminUser) -> ApiKeyPublic:
    """Revoke a partner API key (admin)."""
    key = await api_keys.revoke_api_key(
        uow,
        actor=admin,
        key_id=key_id,
        cache=deps.partner_tokens,
        revocations=deps.revocations,
    )
    return ApiKeyPublic.model_validate(key, from_attributes=True)
