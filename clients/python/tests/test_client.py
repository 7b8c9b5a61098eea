"""The client against httpx.MockTransport: auth headers, Idempotency-Key, bounded retries on
503 (Retry-After honoured and capped), errors, typed answers; sync and async alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from lexseal_client import ApiError, AsyncClient, Client, WebhookUpdate, retry_after

BASE = "http://gw.test"


def _error(status: int, code: str, retry: str | None = None) -> httpx.Response:
    headers = {"retry-after": retry} if retry is not None else {}
    body = {"error": {"code": code, "message": code, "details": {"n": 1}}}
    return httpx.Response(status, json=body, headers=headers)


class Script:
    """Answer requests from a list, recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(script: Script, waits: list[float], **kw: object) -> Client:
    return Client(BASE, transport=httpx.MockTransport(script), sleep=waits.append, **kw)  # type: ignore[arg-type]


def test_login_keeps_the_token_and_sends_it_with_later_calls() -> None:
    script = Script(
        httpx.Response(200, json={"access_token": "T1", "token_type": "bearer", "expires_in": 900}),
        httpx.Response(200, json={"id": "u1", "username": "a", "display_name": "A", "roles": []}),
    )
    c = client(script, [])
    c.login("admin", "pw")
    me = c.me()
    assert me.id == "u1"
    assert json.loads(script.seen[0].content) == {"username": "admin", "password": "pw"}
    assert "authorization" not in script.seen[0].headers
    assert script.seen[1].headers["authorization"] == "Bearer T1"


def test_every_post_carries_an_idempotency_key_and_a_get_none() -> None:
    ok = {
        "id": "d1",
        "event_id": "e",
        "event_type": "webhook.test",
        "state": "pending",
        "attempts": 0,
        "last_status": None,
        "last_error": None,
        "created_at": "2026-01-01T00:00:00Z",
    }
    script = Script(
        httpx.Response(202, json=ok),
        httpx.Response(202, json=ok),
        httpx.Response(200, json={"data": [], "count": 0}),
    )
    c = client(script, [], api_key="lsk_x")
    c.test_webhook("s1")
    c.test_webhook("s1")
    assert c.webhooks() == []
    keys = [r.headers.get("idempotency-key") for r in script.seen]
    assert keys[0] and keys[1] and keys[0] != keys[1] and keys[2] is None
    assert all(r.headers["x-api-key"] == "lsk_x" for r in script.seen)


def test_a_503_is_retried_after_the_wait_it_asks_for_with_the_same_key() -> None:
    created = {
        "id": "w1",
        "owner_id": "k",
        "url": "https://p.example/h",
        "event_types": ["*"],
        "description": "",
        "active": True,
        "created_at": "2026-01-01T00:00:00Z",
        "secret": "whsec_AAAA",
    }
    script = Script(
        _error(503, "upstream_outcome_unknown", retry="2"),
        httpx.ConnectError("refused"),
        httpx.Response(201, json=created),
    )
    waits: list[float] = []
    sub = client(script, waits).create_webhook("https://p.example/h", ["*"])
    assert sub.secret == "whsec_AAAA" and sub.id == "w1"
    assert waits == [2.0, 1.0]  # Retry-After first, then the backoff of the second attempt
    keys = {r.headers["idempotency-key"] for r in script.seen}
    assert len(script.seen) == 3 and len(keys) == 1


def test_retries_are_bounded_and_a_long_retry_after_is_capped() -> None:
    script = Script(*[_error(503, "service_unavailable", retry="3600") for _ in range(3)])
    waits: list[float] = []
    with pytest.raises(ApiError) as err:
        client(script, waits, max_retries=2, max_retry_wait=5).call("GET", "/api/x")
    assert waits == [5.0, 5.0] and len(script.seen) == 3
    assert (err.value.status, err.value.code, err.value.details) == (
        503,
        "service_unavailable",
        {"n": 1},
    )


def test_an_unkeyed_change_whose_outcome_is_unknown_is_not_sent_again() -> None:
    script = Script(_error(503, "upstream_outcome_unknown"))
    waits: list[float] = []
    with pytest.raises(ApiError):
        client(script, waits).request("PATCH", "/api/notify/webhooks/w1", json={})
    assert waits == [] and len(script.seen) == 1


def test_a_503_the_service_never_saw_is_sent_again_even_unkeyed() -> None:
    body = {
        "id": "w1",
        "owner_id": "k",
        "url": "u",
        "event_types": ["*"],
        "description": "",
        "active": False,
        "created_at": "2026-01-01T00:00:00Z",
    }
    script = Script(_error(503, "service_unavailable", retry="1"), httpx.Response(200, json=body))
    waits: list[float] = []
    hook = client(script, waits).update_webhook("w1", WebhookUpdate(active=False))
    assert hook.active is False and waits == [1.0]
    assert json.loads(script.seen[1].content) == {"active": False}


def test_other_errors_are_raised_at_once_with_the_code() -> None:
    script = Script(_error(403, "insufficient_scope"))
    waits: list[float] = []
    with pytest.raises(ApiError) as err:
        client(script, waits).signed_pdf("e1")
    assert err.value.code == "insufficient_scope" and waits == []


def test_a_public_url_from_a_payload_is_fetched_from_this_gateway_only() -> None:
    script = Script(httpx.Response(200, content=b"%PDF-1.7"))
    c = client(script, [], api_key="lsk_x")
    data = c.download("https://evil.example/api/signing/partner/envelopes/e1/signed.pdf?x=1")
    assert data == b"%PDF-1.7"
    sent = script.seen[0].url
    assert (sent.host, sent.path, sent.query) == (
        "gw.test",
        "/api/signing/partner/envelopes/e1/signed.pdf",
        b"x=1",
    )


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after("7") == 7.0
    assert retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0
    assert retry_after("soon") is None and retry_after(None) is None


async def test_the_async_client_retries_and_types_alike() -> None:
    script = Script(
        _error(503, "service_unavailable", retry="4"),
        httpx.Response(200, json={"data": [], "count": 0, "next_cursor": None}),
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with AsyncClient(
        BASE, api_key="lsk_y", transport=httpx.MockTransport(script), sleep=sleep
    ) as c:
        page = await c.contracts()
    assert page.data == [] and waits == [4.0]
    assert script.seen[1].headers["x-api-key"] == "lsk_y"
    assert script.seen[1].url.params["limit"] == "20"


async def test_the_async_client_sends_an_idempotency_key_on_post() -> None:
    row = {
        "id": "d",
        "event_id": "e",
        "event_type": "t",
        "state": "pending",
        "attempts": 0,
        "last_status": None,
        "last_error": None,
        "created_at": "2026-01-01T00:00:00Z",
    }
    script = Script(httpx.Response(202, json={"data": [row], "count": 1}))
    async with AsyncClient(BASE, token="T", transport=httpx.MockTransport(script)) as c:
        replayed = await c.replay("s1", datetime(2026, 1, 1, tzinfo=UTC))
    assert [d.id for d in replayed] == ["d"]
    assert script.seen[0].headers["idempotency-key"]
    assert json.loads(script.seen[0].content) == {"since": "2026-01-01T00:00:00Z"}


def test_a_create_whose_answer_is_lost_is_retried_with_the_same_key() -> None:
    lost = {"error": {"code": "upstream_outcome_unknown", "message": "m", "details": None}}
    script = Script(
        httpx.RemoteProtocolError("server disconnected"),
        httpx.Response(503, json=lost),
        httpx.Response(201, json={"id": "c1"}),
    )
    waits: list[float] = []
    assert client(script, waits).call("POST", "/api/contract/contracts", json={}) == {"id": "c1"}
    keys = {r.headers.get("idempotency-key") for r in script.seen}
    assert len(script.seen) == 3 and len(keys) == 1 and None not in keys
    assert waits == [0.5, 1.0]


def test_an_unkeyed_change_whose_connection_dropped_is_not_sent_again() -> None:
    script = Script(httpx.RemoteProtocolError("server disconnected"))
    with pytest.raises(httpx.RemoteProtocolError):
        client(script, []).request("PATCH", "/api/letters/letters/l1", json={})
    assert len(script.seen) == 1
