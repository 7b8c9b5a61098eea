"""Business errors with an HTTP status and a stable code, rendered in Chinese or English."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .domain import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
)

__all__ = [
    "AppError",
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Unauthorized",
    "Unavailable",
    "error_body",
    "install_error_handlers",
    "preferred_language",
]

log = logging.getLogger("servicekit.errors")
# SQLSTATE classes of database errors that pass by themselves, so a retry is the answer:
# connection exception (08), transaction rollback (40: serialization failure, deadlock),
# insufficient resources (53: too many connections), operator intervention (57: shutdown).
TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57")


# One base for every refusal a user sees; `AppError` is its older name, kept for callers.
AppError = DomainError


def preferred_language(request: Request) -> str:
    """Return 'en' when the caller prefers English, else 'zh' (the default)."""
    header = request.headers.get("accept-language", "").lower()
    for part in header.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh"
    return "zh"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Return the one error shape every lexseal endpoint answers with."""
    return {"error": {"code": code, "message": message, "details": details}}


_HTTP_CODES = {
    400: ("bad_request", "请求有误", "Bad request"),
    401: ("unauthorized", "请先登录", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "You are not allowed to do this"),
    404: ("not_found", "对象不存在", "Not found"),
    405: ("method_not_allowed", "不支持此方法", "Method not allowed"),
    409: ("conflict", "当前状态不允许此操作", "Conflict"),
    413: ("payload_too_large", "上传内容过大", "Payload too large"),
    429: ("rate_limited", "请求过于频繁", "Too many requests"),
}


class ServerErrorGuard:
    """Answer an unhandled exception with the error shape and keep the connection open.

    Starlette's ServerErrorMiddleware re-raises after its 500, and uvicorn then closes the
    connection: a proxy that had already pooled it sent the next, unrelated request into a
    closing socket ("connection closed by the service"). Here the exception is logged and the
    500 is a complete, ordinary response, without the exception's text.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                raise  # half a response is out: only closing the connection can tell
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            lang = preferred_language(Request(scope))
            message = "Internal error" if lang == "en" else "服务内部错误"
            body = json.dumps(error_body("internal_error", message), ensure_ascii=False).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})


def install_error_handlers(app: FastAPI) -> None:
    """Render DomainError, validation errors, HTTP errors and crashes as `{"error": {...}}`."""
    app.add_middleware(ServerErrorGuard)

    @app.exception_handler(DomainError)
    async def _app_error(request: Request, exc: DomainError) -> JSONResponse:
        lang = preferred_language(request)
        headers = None if exc.retry_after is None else {"Retry-After": str(exc.retry_after)}
        return JSONResponse(
            error_body(exc.code, exc.message(lang), exc.details),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        if not (exc.connection_invalidated or sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES):
            raise exc  # a bug, not an outage: the server error it always was
        log.warning("database unavailable (%s): answering 503", sqlstate or "connection lost")
        busy = Unavailable(
            "The database is unavailable, please retry",
            "数据库暂不可用，请稍后重试",
            code="database_unavailable",
            retry_after=1,
        )
        return await _app_error(request, busy)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = preferred_language(request)
        msg = "Invalid input" if lang == "en" else "输入有误"
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(error_body("validation_error", msg, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = preferred_language(request)
        code, zh, en = _HTTP_CODES.get(
            exc.status_code, ("http_error", "请求失败", "Request failed")
        )
        message = en if lang == "en" else zh
        return JSONResponse(
            error_body(code, message, exc.detail if exc.detail != en else None),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
