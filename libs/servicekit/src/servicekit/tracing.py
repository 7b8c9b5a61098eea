"""OpenTelemetry traces: gateway → service → bus → consumer, exported by OTLP when configured.

Off by default, and then free: no SDK tracer provider is installed (the SDK is not even
imported), no span processor runs, no middleware is added, and every hook below returns at
once on a module flag. It is on when an OTLP/HTTP endpoint is configured: the service's
`<PREFIX>_OTLP_ENDPOINT` setting (e.g. `LEXSEAL_OTLP_ENDPOINT`, `GATEWAY_OTLP_ENDPOINT`),
else the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`;
`OTEL_SDK_DISABLED=true` keeps it off whatever is set.

When on:
- every HTTP request gets a server span (opentelemetry-instrumentation-asgi), continuing the
  caller's W3C `traceparent`; it is named by the route template, never the raw path;
- the gateway sends its context to the service it proxies to (`inject_http`), and a service
  fetching a sibling's claim-checked document does too (`instrument_internal`, a client span
  by opentelemetry-instrumentation-httpx). Calls leaving the system (partners' webhooks,
  identity and bank providers) never carry it: httpx is not instrumented globally;
- an event written to the outbox gets a PRODUCER span whose context is stored with the outbox
  row (`outbox_context`), and the relay publishes it as the message's `traceparent` and
  `tracestate` AMQP headers (`amqp_headers`), whichever path publishes the row;
- the consumer applies each event inside a CONSUMER span whose parent is that context
  (`received` + `consuming`): one trace spans the request and every event it caused;
- log lines carry `trace_id` and `span_id` while a span is active (`current_ids`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from starlette.types import ASGIApp

if TYPE_CHECKING:  # the SDK is imported only when tracing is configured
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

_enabled = False
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None
_NOTHING: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
TRACE_HEADERS = ("traceparent", "tracestate")
# the AMQP headers of the deliveries being applied, by event id (set by the queue consumer)
_incoming: ContextVar[Mapping[str, Mapping[str, Any]] | None] = ContextVar(
    "lexseal_trace_incoming", default=None
)


def enabled() -> bool:
    """Tell whether this process traces (a tracer provider was configured)."""
    return _enabled


def endpoint_from_env(setting: str = "") -> str:
    """Return the OTLP endpoint configured for this process ('' when tracing is off)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ""
    return (
        setting
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    ).strip()


def _traces_url(endpoint: str) -> str:
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def configure(service: str, *, endpoint: str = "", exporter: SpanExporter | None = None) -> bool:
    """Install the tracer provider once per process when an endpoint (or exporter) is given.

    `exporter` (tests, benchmarks) replaces OTLP and exports each span as it ends. Returns
    whether tracing is on. The first call that turns it on names the process's service.
    """
    global _enabled, _provider, _tracer
    if _enabled:
        return True
    if exporter is None:
        endpoint = endpoint_from_env(endpoint)
        if not endpoint:
            return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(_traces_url(endpoint))))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _provider, _tracer, _enabled = provider, provider.get_tracer("servicekit"), True
    return True


def flush(timeout_millis: int = 5000) -> None:
    """Export the spans still buffered (at shutdown); nothing when tracing is off."""
    if _provider is not None:
        _provider.force_flush(timeout_millis)


# -- HTTP ---------------------------------------------------------------------------------


# probes and scrapes every few seconds would drown the traces
_UNTRACED = r"/healthz$,/readyz$,/metrics$"


def _span_details(scope: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # the raw path would make every contract id a span name: the route names it later
    return str(scope.get("method") or "HTTP"), {}


def wrap_asgi(app: ASGIApp) -> ASGIApp:
    """Return `app` inside a server-span middleware when tracing is on, else `app` itself."""
    if not _enabled:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(  # type: ignore[no-any-return]
        app,
        excluded_urls=_UNTRACED,
        default_span_details=_span_details,
        exclude_spans=["receive", "send"],
        tracer_provider=_provider,
    )


def instrument_app(app: Any, *, service: str, endpoint: str = "") -> None:
    """Configure tracing for a FastAPI app's process and add the server-span middleware.

    Call it after every other middleware: the span must wrap them all. Nothing when off.
    """
    if not configure(service, endpoint=endpoint):
        return
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    app.add_middleware(
        OpenTelemetryMiddleware,
        excluded_urls=_UNTRACED,
        default_span_details=_span_details,
        exclude_spans=["receive", "send"],
        tracer_provider=_provider,
    )


def name_server_span(method: str, route: str) -> None:
    """Name the request's server span by its route template ('GET /api/x/{id}')."""
    if not _enabled:
        return
    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)


def inject_http(headers: list[tuple[str, str]]) -> None:
    """Append the current trace context to outgoing request headers (the gateway's proxy)."""
    if not _enabled:
        return
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    headers.extend(carrier.items())


def instrument_internal(client: Any) -> None:
    """Give an httpx client for calls between services client spans and `traceparent`.

    Only for calls inside the system: a partner or provider is never sent the trace context.
    """
    if not _enabled:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=_provider)


# -- the bus ------------------------------------------------------------------------------


def outbox_context(event_type: str, event_id: str) -> str | None:
    """Return the trace context to store with an outbox row (None when off or no trace).

    A PRODUCER span marks the event's creation inside the request (or handler) that wrote
    it; the consumer's span is its child, whenever and by whichever relay path it is sent.
    """
    if not _enabled or _tracer is None:
        return None
    from opentelemetry import propagate

    with _tracer.start_as_current_span(
        f"{event_type} create",
        kind=trace.SpanKind.PRODUCER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "create",
            "messaging.message.id": event_id,
            "messaging.rabbitmq.destination.routing_key": event_type,
        },
    ):
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
    return json.dumps(carrier, separators=(",", ":")) if carrier else None


def amqp_headers(stored: str | None) -> dict[str, Any] | None:
    """Return the AMQP headers for a stored trace context (None when there is none)."""
    if not stored:
        return None
    try:
        carrier = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(carrier, dict):
        return None
    headers = {k: v for k, v in carrier.items() if k in TRACE_HEADERS and isinstance(v, str)}
    return headers or None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None


@contextlib.contextmanager
def _incoming_set(carriers: Mapping[str, Mapping[str, Any]]) -> Iterator[None]:
    token = _incoming.set(carriers)
    try:
        yield
    finally:
        _incoming.reset(token)


def received(
    deliveries: Iterable[tuple[str, Mapping[str, Any] | None]],
) -> contextlib.AbstractContextManager[None]:
    """Make the AMQP headers of (event id, headers) deliveries known to `consuming`."""
    if not _enabled:
        return _NOTHING
    carriers = {event_id: headers for event_id, headers in deliveries if headers}
    return _incoming_set(carriers)


@contextlib.contextmanager
def _consumer_span(event_type: str, event_id: str, headers: Mapping[str, Any]) -> Iterator[None]:
    from opentelemetry import context as otel_context
    from opentelemetry import propagate

    assert _tracer is not None
    carrier = {k: t for k in TRACE_HEADERS if (t := _text(headers.get(k)))}
    parent = propagate.extract(carrier) if carrier else otel_context.Context()
    with _tracer.start_as_current_span(
        f"{event_type} process",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.message.id": event_id,
            "messaging.rabbitmq.destination.routing_key": event_type,
        },
    ):
        yield


def consuming(event_type: str, event_id: str) -> contextlib.AbstractContextManager[None]:
    """Apply an event inside a CONSUMER span continuing the trace its message carried."""
    if not _enabled or _tracer is None:
        return _NOTHING
    carriers = _incoming.get() or {}
    return _consumer_span(event_type, event_id, carriers.get(event_id) or {})


# -- logs ---------------------------------------------------------------------------------


def current_ids() -> tuple[str, str] | None:
    """Return (trace_id, span_id) in hex while a span is active, else None."""
    if not _enabled:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
