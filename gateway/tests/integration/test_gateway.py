"""The gateway on real sockets in front of fake services, with its database on PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import os
import resource
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from gateway.bootstrap import create_app
from gateway.config import Settings
from gateway.service_layer.users import DEMO_LICENCES, seed_demo

from .servers import expected_download_sha, fake_service, free_port, serve

pytestmark = pytest.mark.integration
SERVICES = ("contract", "review", "signing", "letters", "notify")


def _settings(tmp: Path, pg_url: str, urls: dict[str, str], **kw: object) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp,
        database_url=pg_url,
        log_json=False,
        **{f"{s}_url": u for s, u in urls.items()},
        **kw,  # type: ignore[arg-type]
    )


def _public_key(tmp: Path) -> str:
    from gateway.adapters.keys import load_or_generate, public_pem

    return public_pem(load_or_generate(tmp / "keys" / "jwt-ed25519.pem", generate=True))


@pytest.fixture
async def stack(tmp_path: Path, pg_url: str) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """Every service is the same ready fake; 'letters' points at a closed port."""
    pem = _public_key(tmp_path)
    async with serve(fake_service(public_key_pem=pem)) as up:
        urls = {s: up for s in SERVICES}
        urls["letters"] = f"http://127.0.0.1:{free_port()}"
        app = create_app(_settings(tmp_path, pg_url, urls, login_max_failures=3))
        async with serve(app) as gw:
            async with app.state.kit.uow() as uow:
                await seed_demo(uow)
            async with httpx.AsyncClient(base_url=gw, timeout=60) as client:
                yield gw, client


async def _login(client: httpx.AsyncClient, username: str = "lawyer1") -> str:
    resp = await client.post(
        "/api/auth/login", json={"username": username, "password": "demo-password"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    return str(body["access_token"])


async def test_login_token_reaches_the_service_which_verifies_it(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    token = await _login(client)
    me = (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["username"] == "lawyer1" and me["roles"] == ["lawyer"]
    resp = await client.get(
        "/api/contract/echo?status=draft&q=%E5%90%88%E5%90%8C",
        headers={
            "Authorization": f"Bearer {token}",
            "X-User-Id": "admin",
            "X-User-Roles": "admin",
            "X-Correlation-ID": "corr-123",
            "X-Lexseal-Internal": "forged",
        },
    )
    assert resp.status_code == 200
    seen = resp.json()
    assert seen["principal"] == {"id": me["id"], "username": "lawyer1", "roles": ["lawyer"]}
    assert seen["query"] == "status=draft&q=%E5%90%88%E5%90%8C"
    headers = seen["headers"]
    assert not any(h.startswith("x-user") for h in headers)
    assert "x-lexseal-internal" not in headers
    assert headers["x-correlation-id"] == "corr-123" and headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-request-id"]
    assert resp.headers["x-correlation-id"] == "corr-123"


async def test_bad_tokens_are_refused_except_on_public_routes(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    bad = {"Authorization": "Bearer not.a.token", "Accept-Language": "en"}
    resp = await client.get("/api/contract/echo", headers=bad)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "token_invalid"
    assert resp.json()["error"]["message"] == "Invalid token"
    public = await client.get("/verify/abc", headers=bad)
    assert public.status_code == 200
    assert public.json()["principal"] is None and "authorization" not in public.json()["headers"]


async def test_api_keys_carry_the_scopes_chosen_at_creation(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    admin = {"Authorization": f"Bearer {await _login(client, 'admin')}", "Accept-Language": "en"}
    made = await client.post(
        "/api/auth/api-keys",
        json={"name": "crm", "scopes": ["documents:read", "letters:read"]},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["scopes"] == ["documents:read", "letters:read"]
    echo = await client.get("/api/contract/echo", headers={"X-API-Key": made.json()["key"]})
    principal = echo.json()["principal"]
    assert principal["roles"] == ["partner"]
    assert principal["scopes"] == ["documents:read", "letters:read"]
    # a key made without naming scopes may do what partner keys always did: manage webhooks
    plain = await client.post("/api/auth/api-keys", json={"name": "hooks"}, headers=admin)
    assert plain.json()["scopes"] == ["webhooks:manage"]
    bad = await client.post(
        "/api/auth/api-keys", json={"name": "x", "scopes": ["documents:write"]}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_scope"
    assert bad.json()["error"]["details"]["unknown"] == ["documents:write"]
    listed = (await client.get("/api/auth/api-keys", headers=admin)).json()["data"]
    assert {k["name"]: k["scopes"] for k in listed}["crm"] == ["documents:read", "letters:read"]

    # a creation retried with its Idempotency-Key makes one key and answers with the first
    keyed = admin | {"Idempotency-Key": "create-crm2-once"}
    first = await client.post("/api/auth/api-keys", json={"name": "crm2"}, headers=keyed)
    again = await client.post("/api/auth/api-keys", json={"name": "crm2"}, headers=keyed)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    listed = (await client.get("/api/auth/api-keys", headers=admin)).json()["data"]
    assert [k["name"] for k in listed].count("crm2") == 1
    other = await client.post("/api/auth/api-keys", json={"name": "crm3"}, headers=keyed)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    user = {"username": "keyed.user", "display_name": "K", "password": "long-enough-pw"}
    made_user = [
        await client.post("/api/auth/users", json=user, headers=admin | {"Idempotency-Key": "u1"})
        for _ in range(2)
    ]
    assert [r.status_code for r in made_user] == [201, 201]
    assert made_user[0].json()["id"] == made_user[1].json()["id"]


async def test_internal_routes_are_never_routed(stack: tuple[str, httpx.AsyncClient]) -> None:
    _, client = stack
    resp = await client.get("/internal/documents/1")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"


async def test_a_down_service_answers_503_naming_it(stack: tuple[str, httpx.AsyncClient]) -> None:
    _, client = stack
    resp = await client.get("/share/tok")
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "5"
    err = resp.json()["error"]
    assert err["code"] == "service_unavailable" and err["details"]["service"] == "letters"
    assert "服务" in err["message"]


async def test_healthz_names_each_service(stack: tuple[str, httpx.AsyncClient]) -> None:
    _, client = stack
    resp = await client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["services"]["letters"]["status"] == "down"
    assert body["services"]["contract"]["status"] == "ready"
    assert body["gateway"]["status"] == "ready"


async def test_healthz_shows_each_services_reasons_and_names_the_broker(
    tmp_path: Path, pg_url: str
) -> None:
    pem = _public_key(tmp_path)
    async with (
        serve(fake_service(public_key_pem=pem)) as up,
        serve(fake_service(public_key_pem=pem, ready=False)) as cut_off,
    ):
        urls = {s: up for s in SERVICES}
        urls["signing"] = cut_off  # signing has lost the broker
        app = create_app(_settings(tmp_path, pg_url, urls))
        async with serve(app) as gw, httpx.AsyncClient(base_url=gw) as client:
            resp = await client.get("/healthz")
    assert resp.status_code == 503
    body = resp.json()
    signing = body["services"]["signing"]
    assert signing["status"] == "not_ready" and signing["checks"]["broker"] == "down"
    assert signing["reasons"]["broker"].startswith("outbox relay: ConnectionRefusedError")
    assert body["broker"]["status"] == "down"
    assert list(body["broker"]["down_for"]) == ["signing"]
    assert body["reasons"] == ["signing: broker: outbox relay: ConnectionRefusedError (for 12s)"]
    assert body["services"]["contract"]["status"] == "ready"


async def test_healthz_is_200_when_everything_is_ready(tmp_path: Path, pg_url: str) -> None:
    pem = _public_key(tmp_path)
    async with serve(fake_service(public_key_pem=pem)) as up:
        app = create_app(_settings(tmp_path, pg_url, {s: up for s in SERVICES}))
        async with serve(app) as gw, httpx.AsyncClient(base_url=gw) as client:
            resp = await client.get("/healthz")
            assert resp.status_code == 200
            assert set(resp.json()["services"]) == set(SERVICES)
            doc = (await client.get("/openapi.json")).json()
            assert "/api/auth/login" in doc["paths"] and "/api/contract/upload" in doc["paths"]
            assert "x-lexseal-missing" not in doc


async def test_login_failures_are_limited(stack: tuple[str, httpx.AsyncClient]) -> None:
    _, client = stack
    wrong = {"username": "risk1", "password": "nope"}
    codes = [(await client.post("/api/auth/login", json=wrong)).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    right = await client.post(
        "/api/auth/login", json={"username": "risk1", "password": "demo-password"}
    )
    assert right.status_code == 429 and right.json()["error"]["code"] == "too_many_login_attempts"
    assert int(right.headers["retry-after"]) > 0  # how long the lockout lasts
    assert (
        await client.post(
            "/api/auth/login", json={"username": "clerk1", "password": "demo-password"}
        )
    ).status_code == 200


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_30mb_bodies_stream_through_both_ways(stack: tuple[str, httpx.AsyncClient]) -> None:
    _, client = stack
    token = await _login(client)
    auth = {"Authorization": f"Bearer {token}"}
    size = 30 * 1024 * 1024
    digest = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        for i in range(size // 65536):
            chunk = bytes([(i * 7) % 256]) * 65536
            digest.update(chunk)
            yield chunk

    before = _rss_mb()
    up = await client.post("/api/contract/upload", content=body(), headers=auth)
    assert up.status_code == 200, up.text
    assert up.json() == {"sha256": digest.hexdigest(), "size": size}
    down_digest, received, chunks = hashlib.sha256(), 0, 0
    async with client.stream("GET", "/api/contract/download", headers=auth) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
        async for chunk in resp.aiter_raw():
            down_digest.update(chunk)
            received += len(chunk)
            chunks += 1
    assert received == size and down_digest.hexdigest() == expected_download_sha()
    assert chunks > 10  # arrived incrementally, not as one buffered blob
    # client, gateway and fake service share this process: 30 MB buffered anywhere would show
    assert _rss_mb() - before < 25


@asynccontextmanager
async def dies_mid_request() -> AsyncIterator[str]:
    """A service that reads a whole request and drops the connection without answering."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(ln.split(b":")[1])
                for ln in head.split(b"\r\n")
                if ln.lower().startswith(b"content-length")
            ),
            0,
        )
        await reader.readexactly(length)
        writer.close()  # killed after taking the request: it may have committed it

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


async def test_a_request_the_service_took_and_dropped_is_not_called_safe_to_retry(
    tmp_path: Path, pg_url: str
) -> None:
    pem = _public_key(tmp_path)
    async with serve(fake_service(public_key_pem=pem)) as up, dies_mid_request() as dying:
        urls = {s: up for s in SERVICES} | {"contract": dying}
        urls["letters"] = f"http://127.0.0.1:{free_port()}"  # refuses: nothing was sent
        app = create_app(_settings(tmp_path, pg_url, urls))
        async with serve(app) as gw, httpx.AsyncClient(base_url=gw, timeout=60) as client:
            async with app.state.kit.uow() as uow:
                await seed_demo(uow)
            auth = {"Authorization": f"Bearer {await _login(client)}", "Accept-Language": "en"}
            body = {"title": "x"}

            plain = await client.post("/api/contract/contracts", json=body, headers=auth)
            assert plain.status_code == 502 and "retry-after" not in plain.headers
            err = plain.json()["error"]
            assert err["code"] == "upstream_outcome_unknown"
            assert "may or may not have been applied" in err["message"]
            assert "retry" not in err["message"].lower()

            keyed = await client.post(
                "/api/contract/contracts", json=body, headers=auth | {"Idempotency-Key": "k1"}
            )
            assert keyed.status_code == 503 and keyed.headers["retry-after"] == "1"
            assert keyed.json()["error"]["code"] == "upstream_outcome_unknown"
            assert "same Idempotency-Key" in keyed.json()["error"]["message"]

            # nothing reached the service: "please retry" is true
            refused = await client.post("/api/letters/letters", json=body, headers=auth)
            assert refused.status_code == 503
            assert refused.json()["error"]["code"] == "service_unavailable"
            read = await client.get("/api/contract/contracts", headers=auth)
            assert read.status_code == 503
            assert read.json()["error"]["code"] == "service_unavailable"


async def test_login_lockout_is_keyed_on_the_account_not_x_forwarded_for(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    """Each wrong password from a 'new address' still counts against the same account."""
    _, client = stack
    wrong = {"username": "lawyer2", "password": "nope"}
    codes = [
        (
            await client.post(
                "/api/auth/login", json=wrong, headers={"X-Forwarded-For": f"10.0.0.{i}"}
            )
        ).status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]
    right = await client.post(
        "/api/auth/login",
        json={"username": "lawyer2", "password": "demo-password"},
        headers={"X-Forwarded-For": "10.9.9.9"},
    )
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    # and a victim's address in the header locks nobody else out
    assert (
        await client.post(
            "/api/auth/login",
            json={"username": "risk1", "password": "x"},
            headers={"X-Forwarded-For": "127.0.0.1"},
        )
    ).status_code == 401
    await _login(client, "lawyer1")


async def _admin(client: httpx.AsyncClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {await _login(client, 'admin')}"}


async def _user_id(client: httpx.AsyncClient, admin: dict[str, str], username: str) -> str:
    users = (await client.get("/api/auth/users", headers=admin)).json()["data"]
    return str(next(u["id"] for u in users if u["username"] == username))


async def test_role_change_deactivation_and_logout_revoke_tokens_on_the_next_request(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    admin = await _admin(client)
    lawyer = {"Authorization": f"Bearer {await _login(client, 'lawyer1')}"}
    assert (await client.get("/api/contract/echo", headers=lawyer)).status_code == 200
    uid = await _user_id(client, admin, "lawyer1")
    patched = await client.patch(f"/api/auth/users/{uid}", json={"roles": []}, headers=admin)
    assert patched.status_code == 200 and patched.json()["roles"] == []
    for path in ("/api/contract/echo", "/api/auth/me"):
        resp = await client.get(path, headers=lawyer)
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "token_revoked", path
    # a fresh login carries the new roles and works
    fresh = {"Authorization": f"Bearer {await _login(client, 'lawyer1')}"}
    me = (await client.get("/api/auth/me", headers=fresh)).json()
    assert me["roles"] == []
    # deactivation: the token dies and the password no longer logs in
    risk = {"Authorization": f"Bearer {await _login(client, 'risk1')}"}
    rid = await _user_id(client, admin, "risk1")
    assert (await client.post(f"/api/auth/users/{rid}/deactivate", headers=admin)).json()[
        "active"
    ] is False
    assert (await client.get("/api/contract/echo", headers=risk)).status_code == 401
    bad = await client.post(
        "/api/auth/login", json={"username": "risk1", "password": "demo-password"}
    )
    assert bad.status_code == 401
    # logout ends the caller's sessions
    clerk = {"Authorization": f"Bearer {await _login(client, 'clerk1')}"}
    assert (await client.post("/api/auth/logout", headers=clerk)).status_code == 204
    assert (await client.get("/api/contract/echo", headers=clerk)).status_code == 401
    # an unchanged save keeps sessions alive
    lid = await _user_id(client, admin, "lawyer2")
    keep = {"Authorization": f"Bearer {await _login(client, 'lawyer2')}"}
    await client.patch(f"/api/auth/users/{lid}", json={"roles": ["lawyer"]}, headers=admin)
    assert (await client.get("/api/contract/echo", headers=keep)).status_code == 200


async def test_a_lawyers_licence_number_is_in_the_profile_and_the_current_user(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    admin = await _admin(client)

    async def me(username: str, password: str = "demo-password") -> dict[str, object]:  # noqa: S107
        login = await client.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        token = login.json()["access_token"]
        answer = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    # the demo lawyers are seeded with one; other roles have none
    assert (await me("lawyer1"))["licence_no"] == DEMO_LICENCES["lawyer1"]
    assert (await me("lawyer2"))["licence_no"] == DEMO_LICENCES["lawyer2"]
    assert (await me("risk1"))["licence_no"] is None
    # the admin sets it when creating a user: 17 digits, nothing else
    user = {"username": "lic.lawyer", "display_name": "孙律师", "password": "long-enough-pw"}
    for bad in ("1110120191012345", "1110120191012345x", ""):
        r = await client.post(
            "/api/auth/users", json=user | {"roles": ["lawyer"], "licence_no": bad}, headers=admin
        )
        assert r.status_code == 422, (bad, r.text)
    created = await client.post(
        "/api/auth/users",
        json=user | {"roles": ["lawyer"], "licence_no": "11101202010000003"},
        headers=admin,
    )
    assert created.status_code == 201 and created.json()["licence_no"] == "11101202010000003"
    assert (await me("lic.lawyer", "long-enough-pw"))["licence_no"] == "11101202010000003"
    listed = (await client.get("/api/auth/users", headers=admin)).json()["data"]
    assert {u["username"]: u["licence_no"] for u in listed}["lic.lawyer"] == "11101202010000003"
    # ... and edits it: the user's session goes on (a licence number is not an access right)
    uid = created.json()["id"]
    token = (
        await client.post(
            "/api/auth/login", json={"username": "lic.lawyer", "password": "long-enough-pw"}
        )
    ).json()["access_token"]
    session = {"Authorization": f"Bearer {token}"}
    patched = await client.patch(
        f"/api/auth/users/{uid}", json={"licence_no": "11101202010000004"}, headers=admin
    )
    assert patched.status_code == 200 and patched.json()["licence_no"] == "11101202010000004"
    assert patched.json()["roles"] == ["lawyer"]  # omitted fields are left as they were
    now = await client.get("/api/auth/me", headers=session)
    assert now.status_code == 200 and now.json()["licence_no"] == "11101202010000004"
    bad = await client.patch(f"/api/auth/users/{uid}", json={"licence_no": "123"}, headers=admin)
    assert bad.status_code == 422
    # an empty one clears it; only an admin edits it
    cleared = await client.patch(f"/api/auth/users/{uid}", json={"licence_no": ""}, headers=admin)
    assert cleared.json()["licence_no"] is None
    assert (await client.get("/api/auth/me", headers=session)).json()["licence_no"] is None
    refused = await client.patch(
        f"/api/auth/users/{uid}", json={"licence_no": "11101202010000005"}, headers=session
    )
    assert refused.status_code == 403


async def test_users_and_api_keys_routes_and_the_x_api_key_path(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    admin = await _admin(client)
    lawyer = {"Authorization": f"Bearer {await _login(client, 'lawyer1')}"}
    # users: only an admin lists and creates
    assert (await client.get("/api/auth/users", headers=lawyer)).status_code == 403
    created = await client.post(
        "/api/auth/users",
        json={
            "username": "new.user",
            "display_name": "新用户",
            "password": "long-enough-pw",
            "roles": ["lawyer"],
        },
        headers=admin,
    )
    assert created.status_code == 201 and created.json()["roles"] == ["lawyer"]
    again = await client.post(
        "/api/auth/users",
        json={"username": "new.user", "display_name": "x", "password": "long-enough-pw"},
        headers=admin,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "username_taken"
    odd = await client.post(
        "/api/auth/users",
        json={
            "username": "x.y",
            "display_name": "x",
            "password": "long-enough-pw",
            "roles": ["root"],
        },
        headers=admin,
    )
    assert odd.status_code == 422 and odd.json()["error"]["code"] == "unknown_role"
    assert (
        await client.post(
            "/api/auth/login", json={"username": "new.user", "password": "long-enough-pw"}
        )
    ).status_code == 200
    # API keys: admin role refused, partner key works through X-API-Key, revocation stops it
    refused = await client.post(
        "/api/auth/api-keys", json={"name": "evil", "roles": ["admin"]}, headers=admin
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "api_key_role_refused"
    assert (
        await client.post("/api/auth/api-keys", json={"name": "p"}, headers=lawyer)
    ).status_code == 403
    made = await client.post("/api/auth/api-keys", json={"name": "partner-crm"}, headers=admin)
    assert made.status_code == 201
    key = made.json()
    assert key["roles"] == ["partner"] and key["key"].startswith("lsk_")
    listed = (await client.get("/api/auth/api-keys", headers=admin)).json()
    assert listed["count"] == 1 and "key" not in listed["data"][0]
    seen = (await client.get("/api/contract/echo", headers={"X-API-Key": key["key"]})).json()
    assert seen["principal"]["username"] == "partner:partner-crm"
    assert seen["principal"]["roles"] == ["partner"]
    assert "x-api-key" not in seen["headers"]
    wrong = await client.get("/api/contract/echo", headers={"X-API-Key": "lsk_wrong"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    # on a public route a bad key is ignored, not refused
    assert (await client.get("/verify/x", headers={"X-API-Key": "lsk_wrong"})).status_code == 200
    revoked = await client.delete(f"/api/auth/api-keys/{key['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    gone = await client.get("/api/contract/echo", headers={"X-API-Key": key["key"]})
    assert gone.status_code == 401


async def test_security_headers_single_server_headers_and_the_docs_routes(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    token = await _login(client)
    page = await client.get("/")
    assert page.status_code == 200 and "<script" in page.text
    csp = page.headers["content-security-policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.headers["cache-control"] == "no-store"
    proxied = await client.get("/api/contract/echo", headers={"Authorization": f"Bearer {token}"})
    assert len(proxied.headers.get_list("server")) == 1
    assert len(proxied.headers.get_list("date")) == 1
    refused = await client.get("/api/contract/echo", headers={"Authorization": "Bearer x.y.z"})
    assert refused.status_code == 401 and refused.headers["x-content-type-options"] == "nosniff"
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "'sha256-" in docs.headers["content-security-policy"]
    assert "unsafe-inline" not in docs.headers["content-security-policy"]
    asyncapi = await client.get("/asyncapi.json")
    assert asyncapi.status_code == 200 and asyncapi.json()["asyncapi"].startswith("3.")
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"service": "gateway", "status": "ready"}
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert 'lexseal_http_request_seconds_count{method="GET",route="/readyz"}' in scraped.text
    nul = await client.post(
        "/api/auth/login",
        content=b'{"username": "a\\u0000", "password": "x"}',
        headers={"content-type": "application/json"},
    )
    assert nul.status_code == 422 and nul.json()["error"]["code"] == "control_character"


async def test_the_per_client_rate_limit_answers_429_with_retry_after(
    tmp_path: Path, pg_url: str
) -> None:
    pem = _public_key(tmp_path)
    async with serve(fake_service(public_key_pem=pem)) as up:
        settings = _settings(
            tmp_path,
            pg_url,
            {s: up for s in SERVICES},
            rate_limit_per_second=0.2,
            rate_limit_burst=3,
        )
        app = create_app(settings)
        async with serve(app) as gw, httpx.AsyncClient(base_url=gw) as client:
            codes = [(await client.get("/verify/x")).status_code for _ in range(5)]
            assert codes == [200, 200, 200, 429, 429]
            last = await client.get("/api/contract/echo")
            assert last.status_code == 429 and last.json()["error"]["code"] == "rate_limited"
            assert int(last.headers["retry-after"]) >= 1
            assert (await client.get("/readyz")).status_code == 200  # health is never limited


async def test_production_refuses_to_start_with_demo_users(tmp_path: Path, pg_url: str) -> None:
    from gateway.adapters.keys import load_or_generate

    key_file = tmp_path / "keys" / "jwt-ed25519.pem"
    load_or_generate(key_file, generate=True)
    urls = {s: "http://127.0.0.1:9" for s in SERVICES}
    dev = create_app(_settings(tmp_path, pg_url, urls))
    async with dev.router.lifespan_context(dev), dev.state.kit.uow() as uow:
        await seed_demo(uow)
    production = Settings(
        environment="production",
        data_dir=tmp_path,
        database_url=pg_url,
        log_json=False,
        jwt_private_key_file=key_file,
        internal_secret="p" * 48,
        public_base_url="https://sign.example-firm.cn",
        **{f"{s}_url": u for s, u in urls.items()},  # type: ignore[arg-type]
    )
    app = create_app(production)
    with pytest.raises(RuntimeError, match="demo users"):
        async with app.router.lifespan_context(app):
            pass


async def test_creating_users_and_api_keys_is_safe_to_retry_with_an_idempotency_key(
    stack: tuple[str, httpx.AsyncClient],
) -> None:
    _, client = stack
    admin = await _admin(client)
    user = {"username": "retry.user", "display_name": "重试", "password": "long-enough-pw"}
    keyed = admin | {"Idempotency-Key": "create-user-1"}
    first = await client.post("/api/auth/users", json=user, headers=keyed)
    assert first.status_code == 201, first.text
    again = await client.post("/api/auth/users", json=user, headers=keyed)
    # the first answer again, not "username_taken": the retry took no second effect
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    users = (await client.get("/api/auth/users", headers=admin)).json()["data"]
    assert [u["username"] for u in users].count("retry.user") == 1
    other = await client.post(
        "/api/auth/users", json=user | {"username": "retry.other"}, headers=keyed
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"

    keyed = admin | {"Idempotency-Key": "create-key-1"}
    made = await client.post("/api/auth/api-keys", json={"name": "crm"}, headers=keyed)
    assert made.status_code == 201, made.text
    replay = await client.post("/api/auth/api-keys", json={"name": "crm"}, headers=keyed)
    assert replay.status_code == 201 and replay.json() == made.json()  # the same key, once
    listed = (await client.get("/api/auth/api-keys", headers=admin)).json()["data"]
    assert [k["name"] for k in listed].count("crm") == 1
    spec = (await client.get("/openapi.json")).json()
    for path in ("/api/auth/users", "/api/auth/api-keys"):
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
