"""A small gateway client: one login per user, errors that say what the server said."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

ATTEMPTS = 3
# Answers after which sending the same request again with the same Idempotency-Key is safe:
# the service was not reached, or the gateway lost the answer to a keyed request.
_RETRY_SAFE_CODES = ("service_unavailable", "upstream_outcome_unknown")


class ApiError(RuntimeError):
    """The gateway answered with an error; carries the status and the lexseal error body."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} → {status}: {body[:800]}")
        self.status = status
        self.body = body


class Gateway:
    """Talk to the gateway as one user (or anonymously, as an external signer)."""

    def __init__(self, base_url: str, *, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self.token: str | None = None

    def login(self, username: str, password: str) -> Gateway:
        """Log in and keep the bearer token for later calls."""
        body = self.call(
            "POST", "/api/auth/login", json={"username": username, "password": password}
        )
        self.token = str(body["access_token"])
        return self

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Send a request; raise ApiError unless it succeeded.

        A POST is one user action: it carries a new Idempotency-Key, and a connection lost on
        the way (or an answer the gateway lost) is retried with that same key, so the action
        takes effect once.
        """
        headers = dict(kw.pop("headers", {}) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.setdefault("Accept-Language", "en")
        keyed = method.upper() == "POST"
        if keyed:
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        for attempt in range(1, ATTEMPTS + 1):
            last = attempt == ATTEMPTS or not keyed
            try:
                resp = self.http.request(method, path, headers=headers, **kw)
            except httpx.TransportError:
                if last:
                    raise
                time.sleep(0.5 * attempt)
                continue
            if resp.status_code == 503 and not last and _code(resp) in _RETRY_SAFE_CODES:
                time.sleep(0.5 * attempt)
                continue
            if resp.status_code >= 400:
                raise ApiError(method, path, resp.status_code, resp.text)
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request and return its JSON body (None for 204)."""
        resp = self.request(method, path, **kw)
        return resp.json() if resp.content else None

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def _code(resp: httpx.Response) -> str | None:
    try:
        error = resp.json().get("error") or {}
    except (ValueError, AttributeError):
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def wait_for(
    what: str, probe: Callable[[], T | None], *, timeout: float = 60, every: float = 0.25
) -> T:
    """Poll `probe` until it returns something; events travel asynchronously between services."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)
