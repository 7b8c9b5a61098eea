"""What tracing costs: the same traced path measured with OpenTelemetry off and on.

Run: `make bench-tracing` (needs the local PostgreSQL, RabbitMQ and `wrk`; run it alone).
Starts a kit service (`bench/tracing_service.py`: its one route commits an event to the
outbox, its relay publishes it, its consumer applies it) behind the real gateway
(`python -m gateway serve`), and drives `POST /api/contract/ping` through the gateway with
`wrk`. Each round starts both processes afresh with tracing off (no OTLP endpoint: the
default), then on (`OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a no-op OTLP/HTTP sink in this
process, which counts what it receives and answers 200); the better of the rounds counts for
each, so a burst of other load on the machine skews both alike. Prints one JSON line last:
{"bench":"tracing","off_rps":..,"on_rps":..,"ratio":on/off,"off_p99_ms":..,"on_p99_ms":..,
"exports":N,...}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from servicekit.testing import PostgresDatabase, amqp_url_or_skip, postgres_admin_url_or_skip

HERE = Path(__file__).resolve().parent
PY = sys.executable
SERVICES = ("contract", "review", "signing", "letters", "notify")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NoopSink:
    """An OTLP/HTTP endpoint that reads each export, counts it and answers 200."""

    def __init__(self) -> None:
        self.exports = 0
        self.bytes = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                sink.exports += 1
                sink.bytes += len(body)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - local URL
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"not up: {url}")


def wrk(url: str, *, duration: int, connections: int, script: Path) -> tuple[float, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    return rps, float(p99.group(1)) * scale


def run_once(
    *, traced: bool, sink: NoopSink, db_url: str, amqp_url: str, run: str, args: argparse.Namespace
) -> tuple[float, float]:
    """Start the service and the gateway (tracing off or on), drive them, stop them."""
    svc_port, gw_port = free_port(), free_port()
    data = Path(tempfile.mkdtemp(prefix="bench-tracing-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    if traced:
        base["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.url
    svc_env = {
        **base,
        "LEXSEAL_SERVICE_NAME": "contract",
        "LEXSEAL_ENVIRONMENT": "test",
        "LEXSEAL_DATABASE_URL": db_url,
        "LEXSEAL_AMQP_URL": amqp_url,
        "LEXSEAL_EXCHANGE": f"lexseal.bench-tracing.{run}",
        "LEXSEAL_QUEUE_PREFIX": f"lexseal.bench-tracing.{run}",
        "LEXSEAL_LOG_LEVEL": "WARNING",
        "LEXSEAL_DB_POOL_SIZE": "5",
        "LEXSEAL_DB_MAX_OVERFLOW": "5",
    }
    gw_env = {
        **base,
        "GATEWAY_DATA_DIR": str(data),
        "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
        "GATEWAY_RATE_LIMIT_BURST": "1000000",
        **{f"GATEWAY_{s.upper()}_URL": f"http://127.0.0.1:{svc_port}" for s in SERVICES},
    }
    logs = {name: open(data / f"{name}.log", "wb") for name in ("service", "gateway")}  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [PY, str(HERE / "tracing_service.py"), str(svc_port)],
            env=svc_env,
            stdout=logs["service"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [PY, "-m", "gateway", "serve", "--port", str(gw_port)],
            env=gw_env,
            stdout=logs["gateway"],
            stderr=subprocess.STDOUT,
        ),
    ]
    script = data / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n'
    )
    try:
        wait_up(f"http://127.0.0.1:{svc_port}/healthz")
        wait_up(f"http://127.0.0.1:{gw_port}/healthz")
        url = f"http://127.0.0.1:{gw_port}/api/contract/ping"
        wrk(url, duration=max(1, args.duration // 5), connections=args.connections, script=script)
        return wrk(url, duration=args.duration, connections=args.connections, script=script)
    except BaseException:
        for name, log in logs.items():
            log.flush()
            print(f"--- {name} log (tail) ---", file=sys.stderr)
            print((data / f"{name}.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(15)
        for log in logs.values():
            log.close()
        shutil.rmtree(data, ignore_errors=True)


def create_tables(db_url: str) -> None:
    import asyncio

    from servicekit import tables  # noqa: F401 - registers the outbox, inbox, audit tables
    from servicekit.db import create_engine
    from sqlmodel import SQLModel

    async def create() -> None:
        engine = create_engine(db_url)
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        await engine.dispose()

    asyncio.run(create())


def delete_bus(amqp_url: str, run: str) -> None:
    import asyncio

    import aio_pika
    from servicekit.messaging import delete_topology

    async def delete() -> None:
        conn = await aio_pika.connect_robust(amqp_url)
        async with conn:
            prefix = f"lexseal.bench-tracing.{run}"
            await delete_topology(
                await conn.channel(), exchange=prefix, queues=[f"{prefix}.contract"]
            )

    asyncio.run(delete())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="off/on rounds (best counts)")
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or brew install wrk)")
    amqp_url = amqp_url_or_skip()
    admin = postgres_admin_url_or_skip()
    sink = NoopSink()
    run = uuid.uuid4().hex[:8]
    off: list[tuple[float, float]] = []
    on: list[tuple[float, float]] = []
    with PostgresDatabase(admin, prefix="bench_tracing") as db_url:
        create_tables(db_url)
        try:
            for _ in range(args.rounds):
                common = {"sink": sink, "db_url": db_url, "amqp_url": amqp_url, "run": run}
                exports_before = sink.exports
                off.append(run_once(traced=False, args=args, **common))  # type: ignore[arg-type]
                if sink.exports != exports_before:
                    raise SystemExit("tracing off exported spans: it is not off")
                on.append(run_once(traced=True, args=args, **common))  # type: ignore[arg-type]
                if sink.exports == exports_before:
                    raise SystemExit("tracing on exported nothing: the comparison would be void")
        finally:
            delete_bus(amqp_url, run)
    best_off, best_on = max(off), max(on)
    report = {
        "bench": "tracing",
        "path": "POST through the gateway to a service that commits an event; relay; consumer",
        "off_rps": round(best_off[0], 1),
        "on_rps": round(best_on[0], 1),
        "ratio": round(best_on[0] / best_off[0], 3),
        "off_p99_ms": round(best_off[1], 2),
        "on_p99_ms": round(best_on[1], 2),
        "exports": sink.exports,
        "export_bytes": sink.bytes,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "connections": args.connections,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
