"""The attempt and token-version stores, and the revocation check, without I/O."""

from __future__ import annotations

import pytest
from gateway.adapters.limits import MemoryAttemptStore, MemoryTokenVersions
from gateway.domain.errors import TokenRevoked
from gateway.domain.verify import Verified, token_version
from gateway.service_layer.users import check_not_revoked, login_key


async def test_attempts_lock_the_key_then_forget_after_the_window() -> None:
    t = [0.0]
    store = MemoryAttemptStore(limit=2, window=60, clock=lambda: t[0])
    assert await store.retry_after("login:a") == 0
    await store.fail("login:a")
    await store.fail("login:a")
    assert await store.retry_after("login:a") > 0
    assert await store.retry_after("login:b") == 0
    t[0] += 61
    assert await store.retry_after("login:a") == 0


def test_the_login_key_names_only_the_account() -> None:
    assert login_key(" Lawyer1 ") == login_key("lawyer1") == "login:lawyer1"


async def test_versions_are_cached_briefly_and_local_changes_apply_at_once() -> None:
    t = [0.0]
    db = {"u1": 0}
    loads: list[str] = []

    async def load(user_id: str) -> int | None:
        loads.append(user_id)
        return db.get(user_id)

    versions = MemoryTokenVersions(load=load, ttl=2.0, clock=lambda: t[0])
    assert await versions.current("u1") == 0
    assert await versions.current("u1") == 0 and loads == ["u1"]
    db["u1"] = 1  # changed by another replica
    t[0] += 1.0
    assert await versions.current("u1") == 0  # still cached
    t[0] += 1.5
    assert await versions.current("u1") == 1 and loads == ["u1", "u1"]
    await versions.changed("u1", None)  # deactivated here
    assert await versions.current("u1") is None
    assert await versions.current("nobody") is None


async def test_check_not_revoked() -> None:
    async def load(user_id: str) -> int | None:
        return {"u1": 3}.get(user_id)

    versions = MemoryTokenVersions(load=load)
    await check_not_revoked(versions, Verified("u1", 3))
    await check_not_revoked(versions, Verified("apikey:k1", 0))
    for stale in (Verified("u1", 2), Verified("u1", -1), Verified("gone", 0)):
        with pytest.raises(TokenRevoked):
            await check_not_revoked(versions, stale)


def test_token_version_claim() -> None:
    assert token_version({}) == 0
    assert token_version({"ver": 4}) == 4
    assert token_version({"ver": "4"}) == -1 and token_version({"ver": True}) == -1
