"""Tracing is off by default and then costs nothing; on, its hooks carry one trace id.

Each case runs in a fresh interpreter: a tracer provider is process-wide and cannot be
removed once set, and the off case must see what a service process sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def _run(script: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_off_by_default_installs_no_tracer_provider(tmp_path: object) -> None:
    out = _run(
        f"""
        import sys
        from fastapi import APIRouter
        from opentelemetry import trace
        from servicekit import tracing
        from servicekit.app import create_service_app
        from servicekit.config import ServiceSettings

        settings = ServiceSettings(
            service_name="kitoff", environment="test", data_dir="{tmp_path}", log_json=True
        )
        app = create_service_app(
            settings=settings, title="t", description="t", routers=[APIRouter()]
        )
        assert not tracing.enabled()
        provider = trace.get_tracer_provider()
        assert type(provider).__name__ == "ProxyTracerProvider", provider
        assert "opentelemetry.sdk" not in sys.modules, "the SDK was imported"
        assert "opentelemetry.sdk.trace" not in sys.modules
        names = [m.cls.__name__ for m in app.user_middleware]
        assert "OpenTelemetryMiddleware" not in names, names
        assert tracing.outbox_context("contract.withdrawn", "e1") is None
        assert tracing.current_ids() is None
        assert tracing.wrap_asgi(app) is app
        headers = []
        tracing.inject_http(headers)
        assert headers == []
        print("off-ok")
        """
    )
    assert "off-ok" in out


def test_otel_sdk_disabled_wins_over_an_endpoint() -> None:
    out = _run(
        """
        from servicekit import tracing
        assert not tracing.configure("kit", endpoint="http://127.0.0.1:4318")
        print("disabled-ok")
        """,
        OTEL_SDK_DISABLED="true",
    )
    assert "disabled-ok" in out


def test_an_endpoint_turns_it_on_with_the_service_app(tmp_path: object) -> None:
    out = _run(
        f"""
        from fastapi import APIRouter
        from opentelemetry import trace
        from servicekit import tracing
        from servicekit.app import create_service_app
        from servicekit.config import ServiceSettings

        settings = ServiceSettings(service_name="kiton", environment="test", data_dir="{tmp_path}")
        app = create_service_app(
            settings=settings, title="t", description="t", routers=[APIRouter()]
        )
        assert tracing.enabled()
        assert type(trace.get_tracer_provider()).__name__ == "TracerProvider"
        names = [m.cls.__name__ for m in app.user_middleware]
        assert names[0] == "OpenTelemetryMiddleware", names  # outermost
        print("on-ok")
        """,
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9",
    )
    assert "on-ok" in out


def test_hooks_carry_one_trace_from_request_to_consumer_and_into_logs() -> None:
    out = _run(
        """
        import json, logging
        from opentelemetry import trace
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from servicekit import tracing
        from servicekit.observability import JsonFormatter

        exporter = InMemorySpanExporter()
        assert tracing.configure("kit", exporter=exporter)
        tracer = trace.get_tracer("test")
        formatter = JsonFormatter("kit")

        def line() -> dict:
            record = logging.LogRecord("t", logging.INFO, "x.py", 1, "hello", None, None)
            return json.loads(formatter.format(record))

        assert "trace_id" not in line()  # no span active
        with tracer.start_as_current_span("request") as request:
            ids = request.get_span_context()
            logged = line()
            assert logged["trace_id"] == format(ids.trace_id, "032x"), logged
            assert logged["span_id"] == format(ids.span_id, "016x"), logged
            stored = tracing.outbox_context("contract.withdrawn", "e1")
            outgoing = []
            tracing.inject_http(outgoing)
        assert stored is not None
        headers = tracing.amqp_headers(stored)
        assert headers is not None and set(headers) <= {"traceparent", "tracestate"}
        assert headers["traceparent"].split("-")[1] == format(ids.trace_id, "032x")
        assert dict(outgoing)["traceparent"].split("-")[1] == format(ids.trace_id, "032x")
        # the broker hands headers back as bytes or str; both are read
        amqp = {"traceparent": headers["traceparent"].encode()}
        with tracing.received([("e1", amqp), ("e2", None)]):
            with tracing.consuming("contract.withdrawn", "e1"):
                inside = line()
            with tracing.consuming("contract.withdrawn", "e2"):
                pass
        spans = {s.name: s for s in exporter.get_finished_spans()}
        producer = spans["contract.withdrawn create"]
        assert producer.kind == trace.SpanKind.PRODUCER
        assert producer.parent.span_id == ids.span_id
        consumers = [s for s in exporter.get_finished_spans() if s.kind == trace.SpanKind.CONSUMER]
        assert len(consumers) == 2, consumers
        joined, fresh = consumers
        assert joined.context.trace_id == ids.trace_id
        assert joined.parent.span_id == producer.context.span_id
        assert inside["trace_id"] == format(ids.trace_id, "032x")
        assert fresh.parent is None and fresh.context.trace_id != ids.trace_id
        assert tracing.amqp_headers("not json") is None
        assert tracing.amqp_headers(None) is None

        # calls between services carry the trace; any other httpx client (partners'
        # webhooks, providers) does not: httpx is not instrumented globally
        import asyncio, httpx
        seen = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(dict(request.headers))
            return httpx.Response(200)

        async def call(internal: bool) -> None:
            client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
            if internal:
                tracing.instrument_internal(client)
            async with client:
                await client.get("http://sibling/internal/documents/1")

        with tracer.start_as_current_span("handler") as handler:
            asyncio.run(call(internal=True))
            asyncio.run(call(internal=False))
        trace_hex = format(handler.get_span_context().trace_id, "032x")
        assert seen[0]["traceparent"].split("-")[1] == trace_hex, seen[0]
        assert "traceparent" not in seen[1], seen[1]
        print("hooks-ok")
        """
    )
    assert "hooks-ok" in out


def test_server_spans_are_named_by_route_template_and_probes_are_not_traced(
    tmp_path: object,
) -> None:
    out = _run(
        f"""
        import asyncio
        import httpx
        from fastapi import APIRouter
        from opentelemetry import trace
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from servicekit import tracing
        from servicekit.app import create_service_app
        from servicekit.config import ServiceSettings

        exporter = InMemorySpanExporter()
        assert tracing.configure("kitspan", exporter=exporter)
        router = APIRouter()

        @router.get("/api/kit/items/{{item_id}}")
        async def item(item_id: str) -> dict[str, str]:
            return {{"id": item_id}}

        settings = ServiceSettings(
            service_name="kitspan", environment="test", data_dir="{tmp_path}"
        )
        app = create_service_app(settings=settings, title="t", description="t", routers=[router])

        async def drive() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
                caller = "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"
                answer = await client.get("/api/kit/items/i-42", headers={{"traceparent": caller}})
                assert answer.status_code == 200
                assert answer.headers["x-lexseal-route"] == "/api/kit/items/{{item_id}}"
                assert (await client.get("/healthz")).status_code == 200
                assert (await client.get("/metrics")).status_code == 200

        asyncio.run(drive())
        spans = exporter.get_finished_spans()
        assert len(spans) == 1, [s.name for s in spans]  # no span for the probe or the scrape
        [span] = spans
        assert span.kind == trace.SpanKind.SERVER
        assert span.name == "GET /api/kit/items/{{item_id}}", span.name  # never the raw path
        assert span.attributes["http.route"] == "/api/kit/items/{{item_id}}"
        assert format(span.context.trace_id, "032x") == "ab" * 16  # the caller's trace
        assert format(span.parent.span_id, "016x") == "cd" * 8
        print("spans-ok")
        """
    )
    assert "spans-ok" in out
