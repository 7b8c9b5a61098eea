"""Two gateway replicas sharing one Redis see one lockout, one logout and one revoked API key.

Each replica is a whole gateway app on its own socket (as `make cluster` runs two), on one
database; their in-process caches are set to outlive the test, so only the shared store can
make the second replica see what the first one recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from gateway.adapters.keys import load_or_generate, public_pem
from gateway.adapters.limits import MemoryAttemptStore, MemoryTokenVersions
from gateway.adapters.redis_state import RedisAttemptStore, RedisTokenVersions
from gateway.bootstrap import create_app
from gateway.config import Settings
from gateway.service_layer.users import seed_demo
from redis.asyncio import Redis
from servicekit.testing import redis_url_or_skip

from .servers import fake_service, serve

pytestmark = pytest.mark.integration
SERVICES = ("contract", "review", "signing", "letters", "notify")
EN = {"Accept-Language": "en"}


def _settings(tmp: Path, pg_url: str, up: str, **kw: object) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp,
        database_url=pg_url,
        log_json=False,
        login_max_failures=3,
        # a replica's own cache of a token version would hide another's logout for 5 minutes
        token_version_ttl_seconds=300,
        **{f"{s}_url": up for s in SERVICES},  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
async def replicas(tmp_path: Path, pg_url: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    redis_url = redis_url_or_skip()
    prefix = f"lexseal:test:{uuid.uuid4().hex[:10]}:"
    pem = public_pem(load_or_generate(tmp_path / "keys" / "jwt-ed25519.pem", generate=True))
    async with AsyncExitStack() as stack:
        up = await stack.enter_async_context(serve(fake_service(public_key_pem=pem)))
        clients = []
        for _ in range(2):
            app = create_app(
                _settings(tmp_path, pg_url, up, redis_url=redis_url, redis_prefix=prefix)
            )
            url = await stack.enter_async_context(serve(app))
            if not clients:
                async with app.state.kit.uow() as uow:
                    await seed_demo(uow)
            client = httpx.AsyncClient(base_url=url, timeout=60, headers=EN)
            clients.append(await stack.enter_async_context(client))
        yield clients
    redis = Redis.from_url(redis_url)
    keys = [k async for k in redis.scan_iter(match=prefix + "*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def _login(
    client: httpx.AsyncClient,
    username: str,
    password: str = "demo-password",  # noqa: S107
) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def _token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    resp = await _login(client, username)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def test_replicas_share_lockout_logout_and_revoked_keys(
    replicas: list[httpx.AsyncClient],
) -> None:
    one, two = replicas

    # a lockout counted across replicas: two failures at one, a third at the other
    assert (await _login(one, "lawyer1", "wrong")).status_code == 401
    assert (await _login(one, "lawyer1", "wrong")).status_code == 401
    assert (await _login(two, "lawyer1", "wrong")).status_code == 401
    for client in (one, two):
        locked = await _login(client, "lawyer1")  # even the right password now waits
        assert locked.status_code == 429, locked.text
        assert locked.json()["error"]["code"] == "too_many_login_attempts"
    assert (await _login(two, "lawyer2")).status_code == 200  # other accounts unaffected

    # a logout at one replica ends the session at the other at once
    lawyer = await _token(one, "lawyer2")
    assert (await two.get("/api/auth/me", headers=lawyer)).status_code == 200  # cached there
    assert (await one.post("/api/auth/logout", headers=lawyer)).status_code == 204
    gone = await two.get("/api/auth/me", headers=lawyer)
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "token_revoked"

    # deactivation by an admin at one replica refuses the user's token at the other
    risk = await _token(two, "risk1")
    assert (await one.get("/api/auth/me", headers=risk)).status_code == 200
    admin = await _token(one, "admin")
    risk_id = (await one.get("/api/auth/me", headers=risk)).json()["id"]
    off = await two.post(f"/api/auth/users/{risk_id}/deactivate", headers=admin)
    assert off.status_code == 200, off.text
    refused = await one.get("/api/auth/me", headers=risk)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"

    # an API key revoked at one replica stops at the other, whose minted token is still cached
    made = await one.post("/api/auth/api-keys", json={"name": "crm"}, headers=admin)
    assert made.status_code == 201, made.text
    key = {"X-API-Key": made.json()["key"]}
    assert (await two.get("/api/contract/echo", headers=key)).status_code == 200
    assert (await two.get("/api/contract/echo", headers=key)).status_code == 200
    revoked = await one.delete(f"/api/auth/api-keys/{made.json()['id']}", headers=admin)
    assert revoked.status_code == 200, revoked.text
    stopped = await two.get("/api/contract/echo", headers=key)
    assert stopped.status_code == 401 and stopped.json()["error"]["code"] == "invalid_api_key"


async def test_the_running_app_holds_redis_stores(tmp_path: Path, pg_url: str) -> None:
    redis_url = redis_url_or_skip()
    prefix = f"lexseal:test:{uuid.uuid4().hex[:10]}:"
    app = create_app(
        _settings(tmp_path, pg_url, "http://127.0.0.1:1", redis_url=redis_url, redis_prefix=prefix)
    )
    async with app.router.lifespan_context(app):
        state = app.state.kit.deps
        assert isinstance(state.login_attempts, RedisAttemptStore)
        assert isinstance(state.token_versions, RedisTokenVersions)
        assert state.revocations is not None and state.shared_limit is not None
    plain = create_app(_settings(tmp_path, pg_url, "http://127.0.0.1:1"))
    async with plain.router.lifespan_context(plain):
        state = plain.state.kit.deps
        assert isinstance(state.login_attempts, MemoryAttemptStore)
        assert isinstance(state.token_versions, MemoryTokenVersions)
        assert state.revocations is None and state.shared_limit is None
