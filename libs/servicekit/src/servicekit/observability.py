"""JSON logs carrying the correlation id, and a middleware that sets it per request."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import correlation_id_var, new_correlation_id
from .metrics import HTTP_LATENCY, HTTP_REQUESTS
from .tracing import current_ids, name_server_span

CORRELATION_HEADER = "x-correlation-id"
REQUEST_ID_HEADER = "x-request-id"
# the route template that answered, for the gateway's per-route metrics (it strips the header)
ROUTE_HEADER = "x-lexseal-route"
_ROUTE_HEADER = ROUTE_HEADER.encode()


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line, with service and correlation id."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation_id_var.get() or None,
        }
        ids = current_ids()  # None unless tracing is on and a span is active
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, service: str, level: str = "INFO", json_logs: bool = True) -> None:
    """Send every log line to stderr, as JSON unless told otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiormq", "aio_pika", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class CorrelationMiddleware:
    """Take the caller's correlation id (or make one), expose it in logs, events and replies."""

    def __init__(self, app: ASGIApp, *, route_header: bool = True) -> None:
        self.app = app
        # services name the route that answered for the gateway (which strips it)
        self.route_header = route_header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(CORRELATION_HEADER.encode()) or headers.get(REQUEST_ID_HEADER.encode())
        cid = raw.decode("latin-1")[:128] if raw else new_correlation_id()
        token = correlation_id_var.set(cid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                template = getattr(scope.get("route"), "path", "unmatched")
                name_server_span(scope["method"], template)  # before the body ends the span
                message["headers"] = [
                    *message["headers"],
                    (CORRELATION_HEADER.encode(), cid.encode()),
                ]
                if self.route_header:
                    message["headers"].append((_ROUTE_HEADER, template.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], template, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], template).observe(time.perf_counter() - start)
            correlation_id_var.reset(token)
