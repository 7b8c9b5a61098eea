"""One trace from the gateway through a service, across RabbitMQ, into the consuming services.

A whole system of its own (ports, exchange, queue prefix, databases) runs with OpenTelemetry
exporting by OTLP/HTTP to a sink in this test, which decodes what each process sends. A
lawyer's request carries a W3C `traceparent` of the test's own; the spans that request and
the event it caused produce must all belong to that trace: the gateway's server span, the
contract service's server span (the gateway's child), the event's producer span (stored with
the outbox row, published as the AMQP `traceparent` header) and a consumer span in each
service that applies `contract.withdrawn`, the producer's child.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from servicekit.testing import PostgresDatabase, amqp_url_or_skip, postgres_admin_url_or_skip
from system import SERVICES, System, free_port

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    kind: int  # opentelemetry.proto.trace.v1.Span.SpanKind
    trace_id: str
    span_id: str
    parent_id: str


SERVER, PRODUCER, CONSUMER = 2, 4, 5


class OtlpSink:
    """An OTLP/HTTP trace receiver on 127.0.0.1 keeping every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.requests = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                sink.add(request)
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def add(self, request: ExportTraceServiceRequest) -> None:
        found: list[Span] = []
        for rs in request.resource_spans:
            attrs = {a.key: a.value.string_value for a in rs.resource.attributes}
            service = attrs.get("service.name", "?")
            for ss in rs.scope_spans:
                for s in ss.spans:
                    found.append(
                        Span(
                            service,
                            s.name,
                            s.kind,
                            s.trace_id.hex(),
                            s.span_id.hex(),
                            s.parent_span_id.hex(),
                        )
                    )
        with self._lock:
            self.requests += 1
            self.spans.extend(found)

    def of_trace(self, trace_id: str) -> list[Span]:
        with self._lock:
            return [s for s in self.spans if s.trace_id == trace_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, OtlpSink]]:
    amqp_url = amqp_url_or_skip()
    admin = postgres_admin_url_or_skip()
    run = uuid.uuid4().hex[:8]
    sink = OtlpSink()
    with ExitStack() as stack:
        stack.callback(sink.close)
        dbs = {
            name: stack.enter_context(PostgresDatabase(admin, prefix=f"trace_{name}"))
            for name in (*SERVICES, "gateway")
        }
        sys_ = System(
            data_dir=tmp_path_factory.mktemp("traced"),
            amqp_url=amqp_url,
            ports={name: free_port() for name in (*SERVICES, "gateway")},
            exchange=f"lexseal.trace.{run}",
            queue_prefix=f"lexseal.trace.{run}",
            database_urls=dbs,
            extra_env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": sink.url,
                "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within 0.1 s of a span's end
                "LEXSEAL_LOG_JSON": "true",
            },
        )
        try:
            sys_.start()
            sys_.wait_ready(timeout=180)
        except Exception:
            _print_logs(sys_)
            sys_.stop()
            _delete_bus(amqp_url, sys_)
            raise
        try:
            yield sys_, sink
        finally:
            sys_.stop()
            _delete_bus(amqp_url, sys_)


def _print_logs(sys_: System) -> None:
    for name in sys_.processes:
        log = sys_.log_path(name)
        if log.exists():
            print(f"--- {name} log (tail) ---\n{log.read_text()[-3000:]}")


def _delete_bus(amqp_url: str, sys_: System) -> None:
    import asyncio

    import aio_pika
    from servicekit.messaging import delete_topology

    async def run() -> None:
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            queues = [f"{sys_.queue_prefix}.{name}" for name in SERVICES]
            await delete_topology(await conn.channel(), exchange=sys_.exchange, queues=queues)

    asyncio.run(run())


def _wait_for(check: object, what: str, timeout: float = 60.0) -> None:
    """Wait for a positive marker (a bound against hanging, not a timing assertion)."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"never saw {what}")


def test_one_trace_spans_gateway_service_bus_and_consumers(
    traced: tuple[System, OtlpSink],
) -> None:
    sys_, sink = traced
    gw = httpx.Client(base_url=sys_.gateway_url, timeout=30)
    token = gw.post(
        "/api/auth/login", json={"username": "lawyer1", "password": "demo-password"}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    created = gw.post(
        "/api/contract/contracts",
        headers=auth,
        json={"title": "Traced", "contract_type": "service", "client_name": "Acme"},
    )
    assert created.status_code == 201, created.text
    contract_id = created.json()["id"]

    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    withdrawn = gw.post(
        f"/api/contract/contracts/{contract_id}/withdraw",
        headers={**auth, "traceparent": f"00-{trace_id}-{caller_span}-01"},
        json={"reason": "traced"},
    )
    assert withdrawn.status_code == 200, withdrawn.text

    consumers = {"review", "signing", "notify"}  # each applies contract.withdrawn

    def consumed_everywhere() -> bool:
        spans = sink.of_trace(trace_id)
        seen = {s.service for s in spans if s.kind == CONSUMER}
        return consumers <= seen

    _wait_for(consumed_everywhere, f"consumer spans of trace {trace_id} in {consumers}")
    spans = sink.of_trace(trace_id)
    by_id = {s.span_id: s for s in spans}

    gateway = [s for s in spans if s.service == "gateway" and s.kind == SERVER]
    assert len(gateway) == 1, spans
    assert gateway[0].parent_id == caller_span  # the caller's traceparent was continued
    assert gateway[0].name == "POST /api/contract/contracts/{contract_id}/withdraw"

    contract = [s for s in spans if s.service == "contract" and s.kind == SERVER]
    assert len(contract) == 1, spans
    assert contract[0].parent_id == gateway[0].span_id  # the gateway's context, forwarded
    assert contract[0].name == "POST /api/contract/contracts/{contract_id}/withdraw"

    producers = [s for s in spans if s.kind == PRODUCER and s.name == "contract.withdrawn create"]
    assert len(producers) == 1, spans
    produced = producers[0]
    assert produced.service == "contract"
    # the producer span sits inside the request that wrote the outbox row
    ancestor = by_id.get(produced.parent_id)
    while ancestor is not None and ancestor.span_id != contract[0].span_id:
        ancestor = by_id.get(ancestor.parent_id)
    assert ancestor is not None, "the producer span is not inside the contract request"

    for service in consumers:
        mine = [s for s in spans if s.service == service and s.kind == CONSUMER]
        assert mine, service
        assert all(s.name == "contract.withdrawn process" for s in mine), mine
        # across the AMQP hop: the consumer's parent is the producer (traceparent header)
        assert all(s.parent_id == produced.span_id for s in mine), mine
