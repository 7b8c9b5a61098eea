"""The hot path: a raw ASGI middleware that rate-limits, authenticates and streams to services."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

from servicekit import tracing
from servicekit.app import ServiceKit
from servicekit.domain import DomainError, NotFound
from servicekit.errors import preferred_language
from servicekit.observability import ROUTE_HEADER
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..adapters.h1 import Response
from ..adapters.upstream import HOP_BY_HOP, UpstreamDown
from ..deps import GatewayDeps
from ..domain.client_address import client_address
from ..domain.errors import (
    InvalidApiKey,
    OutcomeUnknown,
    OutcomeUnknownRetrySafe,
    RateLimited,
    ServiceUnavailable,
    TokenInvalid,
)
from ..domain.routing import is_internal, route_for
from ..metrics import observe_proxied
from ..service_layer.api_keys import partner_token
from ..service_layer.users import check_not_revoked

# headers a caller must never be able to set on a service: identity is only the signed token
_STRIPPED = frozenset(
    {
        b"authorization",
        b"x-api-key",
        b"x-lexseal-internal",
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"x-real-ip",
        b"forwarded",
        # the gateway's own trace context replaces the caller's when tracing is on
        b"traceparent",
        b"tracestate",
    }
)
_ROUTE = ROUTE_HEADER.encode()
_UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # RFC 9110 §9.2.1: nothing to apply twice


def _strip(name: bytes) -> bool:
    return name in HOP_BY_HOP or name in _STRIPPED or name.startswith((b"x-user", b"x-auth"))


async def send_error(
    scope: Scope, send: Send, exc: DomainError, extra: list[tuple[bytes, bytes]]
) -> None:
    """Answer with the lexseal error shape, in the caller's language."""
    lang = preferred_language(Request(scope))
    body = json.dumps(
        {"error": {"code": exc.code, "message": exc.message(lang), "details": exc.details}},
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]
    if exc.retry_after is not None and not any(name == b"retry-after" for name, _ in extra):
        headers.append((b"retry-after", str(exc.retry_after).encode()))
    await send(
        {"type": "http.response.start", "status": exc.status_code, "headers": headers + extra}
    )
    await send({"type": "http.response.body", "body": body})


def _forwarded_for(scope: Scope) -> str | None:
    values = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
    return ",".join(values) if values else None


class GatewayMiddleware:
    """Limit every client; answer /internal with 404; proxy routed paths; pass the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # outermost (served): no Starlette layer has set scope["app"] yet; self.app is FastAPI.
        # The kit is there once bootstrap's lifespan has built the gateway's dependencies.
        owner = scope.get("app", self.app)
        kit: ServiceKit | None = getattr(owner.state, "kit", None)
        path: str = scope["path"]
        if kit is None or path in _UNLIMITED:
            await self.app(scope, receive, send)
            return
        deps: GatewayDeps = kit.deps
        client = scope.get("client")
        ip = client_address(
            client[0] if client else None, _forwarded_for(scope), deps.trusted_proxies
        )
        allowed, retry_after = await deps.take(ip)
        if not allowed:
            retry = str(retry_after).encode()
            await send_error(scope, send, RateLimited(), [(b"retry-after", retry)])
            return
        if is_internal(path):
            await send_error(scope, send, NotFound(), [])
            return
        routed = route_for(path)
        if routed is None:
            await self.app(scope, receive, send)
            return
        service, public = routed
        start = time.perf_counter()
        answer = {"status": 500, "route": "unanswered"}  # unanswered: the service never did

        async def send_measured(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                # before the body: the server span ends with the last of it
                tracing.name_server_span(scope["method"], str(answer["route"]))
            await send(message)

        try:
            await self._proxy(
                kit,
                deps,
                scope,
                receive,
                send_measured,
                service=service,
                public=public,
                ip=ip,
                answer=answer,
            )
        except DomainError as exc:
            await send_error(scope, send_measured, exc, [])
        finally:
            method, route = scope["method"], str(answer["route"])
            seconds = time.perf_counter() - start
            observe_proxied(service, method, route, str(answer["status"]), seconds)

    async def _proxy(
        self,
        kit: ServiceKit,
        deps: GatewayDeps,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        service: str,
        public: bool,
        ip: str,
        answer: dict[str, object],
    ) -> None:
        headers: list[tuple[str, str]] = []
        authorization = api_key = correlation = request_id = None
        has_body = False
        for raw_name, raw_value in scope["headers"]:
            if raw_name == b"authorization":
                authorization = raw_value.decode("latin-1")
            elif raw_name == b"x-api-key":
                api_key = raw_value.decode("latin-1")
            elif raw_name == b"x-correlation-id":
                correlation = raw_value.decode("latin-1")[:128]
            elif raw_name == b"x-request-id":
                request_id = raw_value.decode("latin-1")[:128]
                continue
            elif raw_name in (b"content-length", b"transfer-encoding"):
                has_body = has_body or raw_value not in (b"0",)
            if _strip(raw_name) or raw_name == b"x-correlation-id":
                continue
            headers.append((raw_name.decode("latin-1"), raw_value.decode("latin-1")))
        token = await self._bearer(
            kit, deps, authorization=authorization, api_key=api_key, public=public
        )
        if token is not None:
            headers.append(("Authorization", f"Bearer {token}"))
        request_id = request_id or correlation or uuid.uuid4().hex
        correlation = correlation or request_id
        headers += [
            ("X-Request-ID", request_id),
            ("X-Correlation-ID", correlation),
            ("X-Forwarded-For", ip),
            ("X-Forwarded-Proto", scope.get("scheme", "http")),
        ]
        tracing.inject_http(headers)  # traceparent of the gateway's span (when tracing is on)
        qs = scope.get("query_string", b"")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path_qs = (raw_path + b"?" + qs if qs else raw_path).decode("latin-1")
        body = _request_body(receive) if has_body else None
        try:
            resp = await deps.upstreams.send(
                service=service, method=scope["method"], path_qs=path_qs, headers=headers, body=body
            )
        except UpstreamDown as exc:
            details = {"service": exc.service, "reason": exc.reason}
            if exc.maybe_applied and scope["method"] not in _SAFE_METHODS:
                # "Please retry" would be false here: a retry without a key may apply it twice.
                keyed = any(name == b"idempotency-key" for name, _ in scope["headers"])
                error = OutcomeUnknownRetrySafe if keyed else OutcomeUnknown
                raise error(details=details) from exc
            raise ServiceUnavailable(details=details) from exc
        ids = [(b"x-request-id", request_id.encode()), (b"x-correlation-id", correlation.encode())]
        # the service names the route template that answered (bounded); an older one: unmatched
        answer["route"] = next(
            (v.decode("latin-1") for k, v in resp.raw_headers if k == _ROUTE), "unmatched"
        )
        async with resp:
            await _stream_back(resp, send, ids)

    async def _bearer(
        self,
        kit: ServiceKit,
        deps: GatewayDeps,
        *,
        authorization: str | None,
        api_key: str | None,
        public: bool,
    ) -> str | None:
        """Return the token to forward: the caller's (checked) or one minted for an API key."""
        if authorization:
            scheme, _, token = authorization.partition(" ")
            token = token.strip()
            try:
                if scheme.lower() != "bearer" or not token:
                    raise TokenInvalid()
                await check_not_revoked(deps.token_versions, deps.fast_verifier.check(token))
                return token
            except DomainError:
                if not public:
                    raise
        if api_key:
            try:
                async with kit.uow() as uow:
                    return await partner_token(
                        uow,
                        raw_key=api_key,
                        issuer=deps.issuer,
                        ttl=deps.settings.partner_token_ttl_seconds,
                        cache=deps.partner_tokens,
                        revocations=deps.revocations,
                    )
            except InvalidApiKey:
                if not public:
                    raise
        return None


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


# the gateway's own server adds these: the service's copies would be duplicates
_SERVER_OWN = frozenset({b"server", b"date"})


async def _stream_back(resp: Response, send: Send, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(k, v) for k, v in resp.raw_headers if k not in HOP_BY_HOP and k not in _SERVER_OWN]
    own = (b"x-request-id", b"x-correlation-id", _ROUTE)
    headers = [h for h in headers if h[0] not in own] + extra
    start: Message = {"type": "http.response.start", "status": resp.status, "headers": headers}
    await send(start)
    async for chunk in resp.iter_chunks():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
