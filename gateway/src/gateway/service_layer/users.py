"""Use cases: log in, manage users and roles, seed the demo users."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from servicekit.auth import Principal
from servicekit.domain import NotFound, Role
from servicekit.uow import SYSTEM, Actor, UnitOfWork

from ..adapters.limits import AttemptStore, TokenVersionStore
from ..adapters.repository import UserRepository
from ..adapters.tables import User
from ..domain.errors import (
    InvalidCredentials,
    TokenRevoked,
    TooManyLoginAttempts,
    UnknownRole,
    UsernameTaken,
)
from ..domain.passwords import dummy_hash, hash_password, verify_password
from ..domain.tokens import IssuedToken, TokenIssuer
from ..domain.verify import Verified

DEMO_PASSWORD = "demo-password"  # noqa: S105 - development data, refused in production
DEMO_USERS: tuple[tuple[str, str, list[Role]], ...] = (
    ("lawyer1", "张律师", [Role.LAWYER]),
    ("lawyer2", "王律师", [Role.LAWYER]),
    ("risk1", "李风控", [Role.RISK_CONTROL]),
    ("clerk1", "赵文书", [Role.LETTER_ADMIN]),
    ("admin", "系统管理员", [Role.ADMIN]),
)
# the demo lawyers' practising licence numbers (made up, 17 digits as the real ones)
DEMO_LICENCES = {"lawyer1": "11101200910000001", "lawyer2": "11101201510000002"}


PARTNER_SUBJECT = "apikey:"  # minted for an API key by the gateway, never held by a client


def login_key(username: str) -> str:
    """Return the attempt key of a login: the account, never the caller's address."""
    return f"login:{username.strip().lower()}"


def check_roles(roles: Iterable[str]) -> list[Role]:
    """Return the roles named, sorted and deduplicated; refuse a name that is no role."""
    named = set(roles)
    allowed = [r.value for r in Role]
    unknown = sorted(named.difference(allowed))
    if unknown:
        raise UnknownRole(details={"unknown": unknown, "allowed": allowed})
    return sorted(Role(r) for r in named)


def access(user: User) -> dict[str, object]:
    """Return what a user's tokens carry or depend on: changing it ends their sessions."""
    return {"username": user.username, "roles": user.roles, "active": user.active}


def snapshot(user: User) -> dict[str, object]:
    """Return what the audit log records of a user."""
    return {**access(user), "licence_no": user.licence_no}


async def login(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    attempts: AttemptStore,
    issuer: TokenIssuer,
    ttl: int,
) -> IssuedToken:
    """Check the password and return an access token; count and limit failures per account."""
    key = login_key(username)
    wait = await attempts.retry_after(key)
    if wait:
        raise TooManyLoginAttempts(details={"retry_after": wait}, retry_after=wait)
    user = await UserRepository(uow.session).by_username(username)
    stored = user.password_hash if user else dummy_hash()
    ok = await asyncio.to_thread(verify_password, password_hash=stored, password=password)
    if not ok or user is None or not user.active:
        await attempts.fail(key)
        raise InvalidCredentials()
    await attempts.reset(key)
    return issuer.issue(
        subject=str(user.id),
        username=user.username,
        display_name=user.display_name,
        roles=list(user.roles),
        ttl=ttl,
        version=user.token_version,
    )


async def check_not_revoked(versions: TokenVersionStore, verified: Verified) -> None:
    """Refuse a token whose user was deactivated, changed roles or logged out since."""
    if verified.subject.startswith(PARTNER_SUBJECT):
        return  # partner tokens live minutes and die with their key (see api_keys)
    current = await versions.current(verified.subject)
    if current is None or current != verified.version:
        raise TokenRevoked()


async def logout(uow: UnitOfWork, *, actor: Principal, versions: TokenVersionStore) -> None:
    """End every session of the caller: their tokens stop working on the next request."""
    user = await get_user(uow, user_id=actor.id)
    user.token_version += 1
    uow.audit(
        actor=actor.actor, action="user.logged_out", object_type="user", object_id=str(user.id)
    )
    await uow.commit()
    await versions.changed(str(user.id), user.token_version)


async def get_user(uow: UnitOfWork, *, user_id: str) -> User:
    """Return one user or answer 404."""
    user = await UserRepository(uow.session).get(user_id)
    if user is None:
        raise NotFound()
    return user


async def licence_of(uow: UnitOfWork, *, user_id: str) -> str | None:
    """Return a user's licence number from their profile (None for API keys and non-lawyers)."""
    user = await UserRepository(uow.session).get(user_id)
    return user.licence_no if user is not None else None


async def list_users(uow: UnitOfWork) -> list[User]:
    """Return every user."""
    return await UserRepository(uow.session).all()


async def create_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str,
    roles: list[str],
    licence_no: str | None = None,
) -> User:
    """Add a user with a hashed password."""
    repo = UserRepository(uow.session)
    if await repo.by_username(username) is not None:
        raise UsernameTaken(details={"username": username})
    pw_hash = await asyncio.to_thread(hash_password, password)
    user = User(
        username=username,
        display_name=display_name,
        licence_no=licence_no or None,
        roles=check_roles(roles),
        password_hash=pw_hash,
    )
    repo.add(user)
    uow.audit(
        actor=actor,
        action="user.created",
        object_type="user",
        object_id=str(user.id),
        after=snapshot(user),
    )
    await uow.commit()
    return user


async def update_user(
    uow: UnitOfWork,
    *,
    actor: Principal,
    user_id: str,
    versions: TokenVersionStore,
    roles: list[str] | None = None,
    active: bool | None = None,
    licence_no: str | None = None,
) -> User:
    """Set a user's roles, licence number and/or (de)activate them.

    A change of roles or activity ends their sessions (their tokens stop working); a licence
    number does not (an empty one clears it).
    """
    user = await get_user(uow, user_id=user_id)
    before, held = snapshot(user), access(user)
    if roles is not None:
        user.roles = check_roles(roles)
    if active is not None:
        user.active = active
    if licence_no is not None:
        user.licence_no = licence_no or None
    if access(user) != held:
        user.token_version += 1
    uow.audit(
        actor=actor.actor,
        action="user.updated",
        object_type="user",
        object_id=str(user.id),
        before=before,
        after=snapshot(user),
    )
    await uow.commit()
    await versions.changed(str(user.id), user.token_version if user.active else None)
    return user


async def seed_demo(uow: UnitOfWork) -> list[str]:
    """Create the demo users that do not exist yet; return the usernames created."""
    repo = UserRepository(uow.session)
    created = []
    for username, display_name, roles in DEMO_USERS:
        if await repo.by_username(username) is None:
            user = User(
                username=username,
                display_name=display_name,
                licence_no=DEMO_LICENCES.get(username),
                roles=roles,
                password_hash=hash_password(DEMO_PASSWORD),
            )
            repo.add(user)
            uow.audit(
                actor=SYSTEM,
                action="user.seeded",
                object_type="user",
                object_id=str(user.id),
                after=snapshot(user),
            )
            created.append(username)
    await uow.commit()
    return created


async def demo_users_present(uow: UnitOfWork) -> list[str]:
    """Return the demo usernames that still log in with the demo password."""
    repo = UserRepository(uow.session)
    present = []
    for username, _, _ in DEMO_USERS:
        user = await repo.by_username(username)
        if (
            user is not None
            and user.active
            and verify_password(password_hash=user.password_hash, password=DEMO_PASSWORD)
        ):
            present.append(username)
    return present
