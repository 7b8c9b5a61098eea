"""The attempt and token-version stores, and the revocation check, without I/O."""

from __future__ import annotations

import asyncio

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


async def test_concurrent_misses_share_one_load_and_a_change_meanwhile_wins() -> None:
    # When a user's cached version expires, every request in flight for them missed at
    # once and each read the database (up to one read per connection every ttl).
    release = asyncio.Event()
    loads: list[str] = []

    async def load(user_id: str) -> int | None:
        loads.append(user_id)
        await release.wait()
        return 0

    versions = MemoryTokenVersions(load=load, ttl=2.0)
    waiting = [asyncio.create_task(versions.current("u1")) for _ in range(50)]
    for _ in range(3):  # the 50 callers run, then the read they started
        await asyncio.sleep(0)
    assert loads == ["u1"]
    await versions.changed("u1", 1)  # a logout while the read is on its way
    release.set()
    assert await asyncio.gather(*waiting) == [0] * 50  # asked before the change
    assert await versions.current("u1") == 1 and loads == ["u1"]  # the older read is not kept


async def test_a_failed_load_fails_its_waiters_and_the_next_request_reads_again() -> None:
    calls = [0]

    async def load(user_id: str) -> int | None:
        calls[0] += 1
        if calls[0] == 1:
            raise ConnectionError("database away")
        return 5

    versions = MemoryTokenVersions(load=load)
    with pytest.raises(ConnectionError):
        await versions.current("u1")
    assert await versions.current("u1") == 5


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
