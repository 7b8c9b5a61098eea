"""The gateway client, sync (`Client`) and async (`AsyncClient`), over httpx.

Every POST carries an `Idempotency-Key` (a new one per call unless given): the gateway applies
a keyed request once, however often it arrives. A request is sent again, at most
`max_retries` times, when the gateway answers 503 or the connection fails, and only when that
is safe: a read, a keyed request, or a 503 that says the service was not reached. The wait is
the answer's `Retry-After` (seconds or an HTTP date), capped at `max_retry_wait`, else a short
doubling backoff.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from .errors import ApiError, error_code
from .models import (
    ApiKeyCreate,
    ApiKeyCreated,
    Contract,
    Contracts,
    Delivery,
    Letter,
    LoginRequest,
    Me,
    ReplayRequest,
    Scope,
    Token,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookUpdate,
)

M = TypeVar("M", bound=BaseModel)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# a 503 with this code: the request never reached a service, so sending it again is safe
NOT_REACHED = "service_unavailable"
BACKOFF_BASE = 0.5


class _Core:
    """What both clients share: headers, the retry decision and the routes' paths."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        api_key: str | None,
        max_retries: int,
        max_retry_wait: float,
        language: str,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.api_key = api_key
        self.max_retries = max(0, max_retries)
        self.max_retry_wait = max(0.0, max_retry_wait)
        self.language = language

    def _headers(
        self, method: str, given: Mapping[str, str] | None, idempotency_key: str | None
    ) -> dict[str, str]:
        headers = dict(given or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if self.api_key:
            headers.setdefault("X-API-Key", self.api_key)
        headers.setdefault("Accept-Language", self.language)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        elif method == "POST":
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        return headers

    def _path(self, url: str) -> str:
        """Return `url` as a path on this gateway (an absolute URL from a payload included).

        Credentials go only to the gateway the client was made for: an absolute URL (such as
        `document.public_url` in an event) is followed by its path, never to another host.
        """
        parts = urlsplit(url)
        if not parts.scheme:
            return url
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _retry_wait(
        self,
        method: str,
        headers: Mapping[str, str],
        attempt: int,
        response: httpx.Response | None,
        error: httpx.TransportError | None,
    ) -> float | None:
        """Return how long to wait before sending again, or None to give up."""
        if attempt > self.max_retries:
            return None
        repeatable = method in SAFE_METHODS or "Idempotency-Key" in headers
        if error is not None:
            # not connected at all: nothing was sent, so any request may go again
            if not (repeatable or isinstance(error, httpx.ConnectError)):
                return None
            return self._backoff(attempt)
        assert response is not None
        if response.status_code != 503:
            return None
        if not (repeatable or error_code(response) == NOT_REACHED):
            return None
        after = retry_after(response.headers.get("retry-after"))
        wait = self._backoff(attempt) if after is None else after
        return min(wait, self.max_retry_wait)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_retry_wait, BACKOFF_BASE * 2 ** (attempt - 1)))


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a `Retry-After` header asks for (RFC 9110: seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _json(model: BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_none=True)


class Client(_Core):
    """A synchronous client: log in as a user (`login`) or act as a partner (`api_key=`)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        api_key: str | None = None,
        timeout: float = 60,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        language: str = "en",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            base_url,
            token=token,
            api_key=api_key,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            language=language,
        )
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._sleep = sleep

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    # ---- any route ----

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send a request (retried where safe); return the answer or raise ApiError."""
        method = method.upper()
        sent = self._headers(method, headers, idempotency_key)
        url = self._path(path)
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self.http.request(method, url, headers=sent, **kw)
            except httpx.TransportError as exc:
                wait = self._retry_wait(method, sent, attempt, None, exc)
                if wait is None:
                    raise
                self._sleep(wait)
                continue
            wait = self._retry_wait(method, sent, attempt, resp, None)
            if wait is None:
                if resp.status_code >= 400:
                    raise ApiError(method, url, resp)
                return resp
            self._sleep(wait)

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request and return its JSON body (None when empty)."""
        resp = self.request(method, path, **kw)
        return resp.json() if resp.content else None

    def _model(self, model: type[M], method: str, path: str, **kw: Any) -> M:
        return model.model_validate(self.call(method, path, **kw))

    # ---- users and keys ----

    def login(self, username: str, password: str) -> Client:
        """Log in; the bearer token is sent with every later call."""
        body = LoginRequest(username=username, password=password)
        self.token = self._model(Token, "POST", "/api/auth/login", json=_json(body)).access_token
        return self

    def me(self) -> Me:
        """Return the caller as the gateway knows them."""
        return self._model(Me, "GET", "/api/auth/me")

    def create_api_key(self, name: str, scopes: list[Scope] | None = None) -> ApiKeyCreated:
        """Create a partner API key (admin); its `key` is shown only in this answer."""
        body = ApiKeyCreate(name=name, scopes=scopes)
        return self._model(ApiKeyCreated, "POST", "/api/auth/api-keys", json=_json(body))

    # ---- webhooks ----

    def create_webhook(
        self, url: str, event_types: list[str], *, description: str = "", secret: str | None = None
    ) -> WebhookCreated:
        """Subscribe `url` to the events matching `event_types` (`signing.*`, `letter.sealed`)."""
        body = WebhookCreate(
            url=url, event_types=event_types, description=description, secret=secret
        )
        return self._model(WebhookCreated, "POST", "/api/notify/webhooks", json=_json(body))

    def webhooks(self) -> list[Webhook]:
        """List the caller's subscriptions."""
        rows = self.call("GET", "/api/notify/webhooks")["data"]
        return [Webhook.model_validate(r) for r in rows]

    def update_webhook(self, subscription_id: str, changes: WebhookUpdate) -> Webhook:
        """Change a subscription (pause with active=False, rotate the secret, ...)."""
        path = f"/api/notify/webhooks/{subscription_id}"
        return self._model(Webhook, "PATCH", path, json=_json(changes))

    def delete_webhook(self, subscription_id: str) -> None:
        """Remove a subscription."""
        self.request("DELETE", f"/api/notify/webhooks/{subscription_id}")

    def deliveries(self, subscription_id: str, *, limit: int = 50) -> list[Delivery]:
        """Return a subscription's newest deliveries with their attempts."""
        path = f"/api/notify/webhooks/{subscription_id}/deliveries"
        rows = self.call("GET", path, params={"limit": limit})["data"]
        return [Delivery.model_validate(r) for r in rows]

    def test_webhook(self, subscription_id: str) -> Delivery:
        """Queue a `webhook.test` delivery to the endpoint."""
        return self._model(Delivery, "POST", f"/api/notify/webhooks/{subscription_id}/test")

    def resend(self, subscription_id: str, delivery_id: str) -> Delivery:
        """Send one delivery again."""
        path = f"/api/notify/webhooks/{subscription_id}/deliveries/{delivery_id}/resend"
        return self._model(Delivery, "POST", path)

    def replay(self, subscription_id: str, since: datetime) -> list[Delivery]:
        """Queue again every event of the subscription since `since` (timezone-aware)."""
        path = f"/api/notify/webhooks/{subscription_id}/replay"
        rows = self.call("POST", path, json=_json(ReplayRequest(since=since)))["data"]
        return [Delivery.model_validate(r) for r in rows]

    # ---- partner reads and documents ----

    def contract(self, contract_id: str) -> Contract:
        """Read a contract application (`contracts:read`; identifiers masked)."""
        return self._model(Contract, "GET", f"/api/contract/contracts/{contract_id}")

    def contracts(self, *, cursor: str | None = None, limit: int = 20) -> Contracts:
        """Read a page of contract applications, newest first (`contracts:read`)."""
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        return self._model(Contracts, "GET", "/api/contract/contracts", params=params)

    def letter(self, letter_id: str) -> Letter:
        """Read a letter (`letters:read`)."""
        return self._model(Letter, "GET", f"/api/letters/partner/letters/{letter_id}")

    def download(self, url: str) -> bytes:
        """Download a document by the public URL an event names (`documents:read`)."""
        return self.request("GET", url).content

    def signed_pdf(self, envelope_id: str) -> bytes:
        """Download a completed envelope's signed PDF (`documents:read`)."""
        return self.download(f"/api/signing/partner/envelopes/{envelope_id}/signed.pdf")

    def evidence(self, envelope_id: str) -> bytes:
        """Download a completed envelope's evidence package (`documents:read`)."""
        return self.download(f"/api/signing/partner/envelopes/{envelope_id}/evidence.zip")

    def sealed_letter(self, letter_id: str) -> bytes:
        """Download a sealed letter (`documents:read`)."""
        return self.download(f"/api/letters/partner/letters/{letter_id}/sealed.pdf")


class AsyncClient(_Core):
    """The asynchronous client: the same calls as `Client`, awaited."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        api_key: str | None = None,
        timeout: float = 60,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        language: str = "en",
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            base_url,
            token=token,
            api_key=api_key,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            language=language,
        )
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)
        self._sleep = sleep

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send a request (retried where safe); return the answer or raise ApiError."""
        method = method.upper()
        sent = self._headers(method, headers, idempotency_key)
        url = self._path(path)
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = await self.http.request(method, url, headers=sent, **kw)
            except httpx.TransportError as exc:
                wait = self._retry_wait(method, sent, attempt, None, exc)
                if wait is None:
                    raise
                await self._sleep(wait)
                continue
            wait = self._retry_wait(method, sent, attempt, resp, None)
            if wait is None:
                if resp.status_code >= 400:
                    raise ApiError(method, url, resp)
                return resp
            await self._sleep(wait)

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request and return its JSON body (None when empty)."""
        resp = await self.request(method, path, **kw)
        return resp.json() if resp.content else None

    async def _model(self, model: type[M], method: str, path: str, **kw: Any) -> M:
        return model.model_validate(await self.call(method, path, **kw))

    async def login(self, username: str, password: str) -> AsyncClient:
        """Log in; the bearer token is sent with every later call."""
        body = LoginRequest(username=username, password=password)
        token = await self._model(Token, "POST", "/api/auth/login", json=_json(body))
        self.token = token.access_token
        return self

    async def me(self) -> Me:
        """Return the caller as the gateway knows them."""
        return await self._model(Me, "GET", "/api/auth/me")

    async def create_api_key(self, name: str, scopes: list[Scope] | None = None) -> ApiKeyCreated:
        """Create a partner API key (admin); its `key` is shown only in this answer."""
        body = ApiKeyCreate(name=name, scopes=scopes)
        return await self._model(ApiKeyCreated, "POST", "/api/auth/api-keys", json=_json(body))

    async def create_webhook(
        self, url: str, event_types: list[str], *, description: str = "", secret: str | None = None
    ) -> WebhookCreated:
        """Subscribe `url` to the events matching `event_types`."""
        body = WebhookCreate(
            url=url, event_types=event_types, description=description, secret=secret
        )
        return await self._model(WebhookCreated, "POST", "/api/notify/webhooks", json=_json(body))

    async def webhooks(self) -> list[Webhook]:
        """List the caller's subscriptions."""
        rows = (await self.call("GET", "/api/notify/webhooks"))["data"]
        return [Webhook.model_validate(r) for r in rows]

    async def update_webhook(self, subscription_id: str, changes: WebhookUpdate) -> Webhook:
        """Change a subscription (pause with active=False, rotate the secret, ...)."""
        path = f"/api/notify/webhooks/{subscription_id}"
        return await self._model(Webhook, "PATCH", path, json=_json(changes))

    async def delete_webhook(self, subscription_id: str) -> None:
        """Remove a subscription."""
        await self.request("DELETE", f"/api/notify/webhooks/{subscription_id}")

    async def deliveries(self, subscription_id: str, *, limit: int = 50) -> list[Delivery]:
        """Return a subscription's newest deliveries with their attempts."""
        path = f"/api/notify/webhooks/{subscription_id}/deliveries"
        rows = (await self.call("GET", path, params={"limit": limit}))["data"]
        return [Delivery.model_validate(r) for r in rows]

    async def test_webhook(self, subscription_id: str) -> Delivery:
        """Queue a `webhook.test` delivery to the endpoint."""
        return await self._model(Delivery, "POST", f"/api/notify/webhooks/{subscription_id}/test")

    async def resend(self, subscription_id: str, delivery_id: str) -> Delivery:
        """Send one delivery again."""
        path = f"/api/notify/webhooks/{subscription_id}/deliveries/{delivery_id}/resend"
        return await self._model(Delivery, "POST", path)

    async def replay(self, subscription_id: str, since: datetime) -> list[Delivery]:
        """Queue again every event of the subscription since `since` (timezone-aware)."""
        path = f"/api/notify/webhooks/{subscription_id}/replay"
        rows = (await self.call("POST", path, json=_json(ReplayRequest(since=since))))["data"]
        return [Delivery.model_validate(r) for r in rows]

    async def contract(self, contract_id: str) -> Contract:
        """Read a contract application (`contracts:read`; identifiers masked)."""
        return await self._model(Contract, "GET", f"/api/contract/contracts/{contract_id}")

    async def contracts(self, *, cursor: str | None = None, limit: int = 20) -> Contracts:
        """Read a page of contract applications, newest first (`contracts:read`)."""
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        return await self._model(Contracts, "GET", "/api/contract/contracts", params=params)

    async def letter(self, letter_id: str) -> Letter:
        """Read a letter (`letters:read`)."""
        return await self._model(Letter, "GET", f"/api/letters/partner/letters/{letter_id}")

    async def download(self, url: str) -> bytes:
        """Download a document by the public URL an event names (`documents:read`)."""
        return (await self.request("GET", url)).content

    async def signed_pdf(self, envelope_id: str) -> bytes:
        """Download a completed envelope's signed PDF (`documents:read`)."""
        return await self.download(f"/api/signing/partner/envelopes/{envelope_id}/signed.pdf")

    async def evidence(self, envelope_id: str) -> bytes:
        """Download a completed envelope's evidence package (`documents:read`)."""
        return await self.download(f"/api/signing/partner/envelopes/{envelope_id}/evidence.zip")

    async def sealed_letter(self, letter_id: str) -> bytes:
        """Download a sealed letter (`documents:read`)."""
        return await self.download(f"/api/letters/partner/letters/{letter_id}/sealed.pdf")
