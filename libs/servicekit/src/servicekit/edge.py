"""What every HTTP answer carries and every request is refused for, at the edge of a service.

`SecurityHeaders` adds a Content-Security-Policy without inline scripts, nosniff, frame
refusal, no referrer (the signer's and share pages carry a secret in their URL) and, unless a
route says otherwise, `Cache-Control: no-store` (answers carry ID numbers and documents).
`NulGuard` refuses a NUL character in the path, the query or a JSON body before any route
sees it: PostgreSQL text cannot hold one, and nothing a person types contains one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body, preferred_language

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# FastAPI's own /docs and /redoc pages load Swagger UI from a CDN with an inline script: the
# services' copies are internal (the gateway serves the merged docs with their own policy).
_NO_CSP = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


def _no_store(path: str) -> str | None:
    return "no-store"


class SecurityHeaders:
    """Add the security headers to every answer that does not set them itself."""

    def __init__(
        self, app: ASGIApp, *, cache_control: Callable[[str], str | None] = _no_store
    ) -> None:
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if path not in _NO_CSP:
                    wanted.append((b"content-security-policy", CSP.encode()))
                cache = self.cache_control(path)
                if cache is not None:
                    wanted.append((b"cache-control", cache.encode()))
                headers += [(k, v) for k, v in wanted if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# an escaped NUL in JSON text: \u0000 preceded by an even number of backslashes
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_MAX_SCANNED = 8 * 1024 * 1024  # JSON bodies are small; larger ones go on unscanned


class NulGuard:
    """Answer 422 `control_character` to a NUL in the path, the query or a JSON body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = (scope.get("raw_path") or b"") + b"?" + (scope.get("query_string") or b"")
        if "\x00" in scope["path"] or b"%00" in target or b"\x00" in target:
            await _refuse(scope, send)
            return
        ctype = dict(scope.get("headers") or []).get(b"content-type", b"")
        if not ctype.split(b";")[0].strip().lower().endswith(b"json"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False) or size > _MAX_SCANNED:
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if b"\x00" in body or _ESCAPED_NUL.search(body):
            await _refuse(scope, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, send: Send) -> None:
    lang = preferred_language(Request(scope))
    message = "Input contains a NUL character" if lang == "en" else "输入含有空字符（NUL）"
    body = json.dumps(error_body("control_character", message), ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": body})
