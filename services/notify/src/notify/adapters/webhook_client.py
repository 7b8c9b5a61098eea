"""POST a signed CloudEvent to a partner endpoint (Standard Webhooks headers)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from ..domain.webhooks import sign


@dataclass(frozen=True)
class PostResult:
    """What the endpoint answered: a status (None when unreachable), an error, the duration."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


async def post_event(
    client: httpx.AsyncClient, *, url: str, secrets: Sequence[str], msg_id: str, body: bytes
) -> PostResult:
    """Send one webhook signed with each of `secrets` (space-separated); any 2xx is success."""
    ts = int(time.time())
    headers = {
        "content-type": "application/cloudevents+json; charset=utf-8",
        "user-agent": "lexseal-webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(
            sign(secret=s, msg_id=msg_id, timestamp=ts, body=body) for s in secrets
        ),
    }
    started = time.monotonic()
    try:
        resp = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        ms = int((time.monotonic() - started) * 1000)
        return PostResult(False, None, f"{type(exc).__name__}: {exc}"[:500], ms)
    ms = int((time.monotonic() - started) * 1000)
    ok = 200 <= resp.status_code < 300
    error = None if ok else f"HTTP {resp.status_code}: {resp.text[:200]}"
    return PostResult(ok, resp.status_code, error, ms)
