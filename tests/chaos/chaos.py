"""Chaos on the cluster: lifecycles keep completing while replicas die and a broker stops.

    make chaos          (.venv/bin/python tests/chaos/chaos.py [-n 30] [-c 6])

Starts the cluster of deploy/cluster.py on free ports with throw-away databases, its own
exchange and queues (3 RabbitMQ nodes behind HAProxy, two replicas of every service and two
gateways), runs N contract lifecycles through the gateway as `lexseal demo` drives them
(clients retry what failed, as a web client does, with an Idempotency-Key on creations),
and meanwhile stops one RabbitMQ node for 20 s and, while it is down, kill -9's one
replica of each service in turn, the gateway included (restarting it 3 s later). At least N
lifecycles run, and new ones start until the last fault is undone, so every fault meets
traffic whatever the machine's speed; a fault counts once it was carried out and undone.

Then it checks, from the databases and the broker: every lifecycle completed exactly once
(contract completed with its signed PDF, one review round, one envelope, two valid
signatures), no dead-lettered message, no unpublished outbox row. The last line printed is
{"lifecycles":N,"completed":N,"lost":0,"duplicated":0,"faults":[...],"seconds":S};
the exit status is 0 only when all seven faults ran and nothing was lost or duplicated.
The processes' logs of the last run stay in var/chaos-logs/. `make test` runs it too
(tests/chaos/test_chaos.py, in its own pytest process); a line before the JSON says when
each phase ended (cluster ready, faults and lifecycles, check, teardown).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "deploy")]

from cluster import Cluster  # noqa: E402
from lexseal_cli import client as cli_client  # noqa: E402
from lexseal_cli.demo import Demo, run_contract  # noqa: E402
from servicekit.testing import PostgresDatabase, postgres_admin_url_or_skip  # noqa: E402
from system import SERVICES, SystemError_  # noqa: E402

RETRYABLE = {429, 502, 503, 504}
FAULTS = 7  # six replicas killed, one broker node stopped
SERVER_ERRORS: list[str] = []  # every 5xx answer the clients saw, retried or not


def retrying_client(attempts: int = 40) -> None:
    """Make lexseal_cli's client retry as a web client does: transport errors and 5xx/429."""
    original = cli_client.Gateway.request

    def request(self: cli_client.Gateway, method: str, path: str, **kw: Any) -> Any:
        if method == "POST":
            headers = dict(kw.pop("headers", {}) or {})
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
            kw["headers"] = headers
        for attempt in range(attempts):
            try:
                return original(self, method, path, **kw)
            except cli_client.ApiError as exc:
                if attempt and method == "POST" and exc.status == 409:
                    # an earlier attempt was applied but its answer was lost: the state
                    # says so, as a reloaded page would show; the lifecycle's checks follow
                    SERVER_ERRORS.append(f"{method} {path}: 409 after a retry ({exc.body[:80]})")
                    return httpx.Response(200, json={}, request=httpx.Request(method, path))
                if exc.status >= 500:
                    SERVER_ERRORS.append(f"{method} {path} → {exc.status}")
                # a reload of a page (GET) after a server error is what a user does
                retry = exc.status in RETRYABLE or (method == "GET" and exc.status >= 500)
                if not retry or attempt == attempts - 1:
                    raise
            except httpx.TransportError:
                if attempt == attempts - 1:
                    raise
            time.sleep(min(2.0, 0.2 * (attempt + 1)))
        raise AssertionError("unreachable")

    cli_client.Gateway.request = request  # type: ignore[method-assign]


def lifecycles(
    base_url: str,
    *,
    total: int,
    concurrency: int,
    out: Path,
    results: list[dict[str, Any]],
    faults_done: threading.Event,
) -> list[str]:
    """Run contract lifecycles; append each finished one's summary; return the errors.

    At least ``total`` run, and new ones keep starting until ``faults_done`` is set: every
    fault meets traffic, however fast the lifecycles go (a quiet machine once finished all
    30 before the broker node was due to stop, and the run had one fault fewer).
    """
    errors: list[str] = []
    lock = threading.Lock()
    started = [0]

    def worker(w: int) -> None:
        demo: Demo | None = None
        while True:
            with lock:
                if started[0] >= total and faults_done.is_set():
                    break
                n = started[0]
                started[0] += 1
            try:
                if demo is None:
                    demo = Demo(base_url=base_url, out=out)
                    demo.step = lambda text: None  # type: ignore[method-assign]
                demo.out = out / f"{w}-{n}"
                demo.out.mkdir(parents=True, exist_ok=True)
                run_contract(demo)
                with lock:
                    results.append(dict(demo.summary["contract"]))
            except Exception as exc:
                with lock:
                    errors.append(f"lifecycle {n}: {type(exc).__name__}: {str(exc)[:300]}")
        if demo is not None:
            demo.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def inject(cluster: Cluster, faults: list[str], problems: list[str], done: threading.Event) -> None:
    """Stop a broker node for 20 s and, while it is down, kill -9 one replica of each service.

    The two schedules overlap (their faults together, as in a real outage, and the run
    ~40 s shorter than one after the other): the node stops at once; the replicas die
    one after another, each down for 3 s (HAProxy notices within 2 s) and restarted
    while the node is still away, so each restarted replica connects to the two left.
    The whole schedule always runs (the lifecycles wait for it, see ``lifecycles``); a
    fault is recorded once it was carried out and undone, and a step that fails is
    reported in ``problems`` rather than lost with its thread.
    """
    node = 2

    def stop_node() -> None:
        try:
            cluster.stop_node(node)
            stopped = time.monotonic()
            time.sleep(20)
            cluster.start_node(node)  # returns once the node runs its applications again
            faults.append(
                f"stop {cluster.nodes[node].name.split('@')[0]} {time.monotonic() - stopped:.0f}s"
            )
        except Exception as exc:
            problems.append(f"broker node fault failed: {exc!r}"[:500])

    broker = threading.Thread(target=stop_node)
    broker.start()
    order = ["contract", "review", "signing", "gateway", "letters", "notify"]
    try:
        for i, name in enumerate(order):
            time.sleep(2)
            process = f"{name}-{1 + i % 2}"
            cluster.kill(process)
            time.sleep(3)
            cluster.start_process(process)
            faults.append(f"kill -9 {process}")
    except Exception as exc:
        problems.append(f"fault injection failed after {len(faults)} fault(s): {exc!r}"[:500])
    finally:
        broker.join()
        done.set()


async def check(
    cluster: Cluster, urls: dict[str, str], results: list[dict[str, Any]]
) -> dict[str, Any]:
    """Count from the databases and the broker what the run left."""
    from servicekit.db import create_engine
    from sqlalchemy import text

    engines = {service: create_engine(url) for service, url in urls.items()}

    async def rows(service: str, sql: str, **params: Any) -> list[Any]:
        async with engines[service].connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    try:
        return await _count(cluster, results, rows)
    finally:
        for engine in engines.values():
            await engine.dispose()


async def _count(
    cluster: Cluster, results: list[dict[str, Any]], rows: Callable[..., Awaitable[list[Any]]]
) -> dict[str, Any]:
    import aio_pika

    completed = duplicated = 0
    problems: list[str] = []
    for r in results:
        cid = r["contract_id"]
        (contract,) = await rows(
            "contract", "SELECT status, signed_sha256 FROM contracts WHERE id = :i", i=cid
        )
        rounds = await rows("review", "SELECT id FROM review_rounds WHERE contract_id = :i", i=cid)
        envelopes = await rows("signing", "SELECT id FROM envelopes WHERE contract_id = :i", i=cid)
        verified = r["verification"]
        ok = contract[0] == "completed" and contract[1] and verified["valid"]
        if len(rounds) > 1 or len(envelopes) > 1 or verified["signatures"] > 2:
            duplicated += 1
            problems.append(f"{cid}: {len(rounds)} rounds, {len(envelopes)} envelopes")
        elif ok and verified["signatures"] == 2:
            completed += 1
        else:
            problems.append(f"{cid}: status {contract[0]}, verification {verified}")
    unpublished = 0
    for service in SERVICES:  # the gateway has no outbox: it publishes nothing
        (count,) = await rows(service, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        unpublished += int(count[0])
    dead = 0
    conn = await aio_pika.connect_robust(cluster.amqp_url)
    async with conn:
        channel = await conn.channel()
        for service in SERVICES:
            name = f"{cluster.queue_prefix}.{service}.dlq"
            try:
                queue = await channel.declare_queue(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                channel = await conn.channel()
                continue
            dead += queue.declaration_result.message_count or 0
    return {
        "completed": completed,
        "duplicated": duplicated,
        "unpublished": unpublished,
        "dead_lettered": dead,
        "problems": problems,
    }


async def _settle(cluster: Cluster, urls: dict[str, str], timeout: float) -> None:
    from servicekit.db import create_engine
    from sqlalchemy import text

    engines = [create_engine(urls[s]) for s in SERVICES]  # the gateway has no outbox
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = 0
            for engine in engines:
                async with engine.connect() as conn:
                    pending += (
                        await conn.execute(
                            text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                        )
                    ).scalar_one()
            if not pending:
                return
            await asyncio.sleep(0.5)
    finally:
        for engine in engines:
            await engine.dispose()


def main() -> int:
    """Run the chaos scenario; print the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--lifecycles", type=int, default=30)
    parser.add_argument("-c", "--concurrency", type=int, default=6)
    args = parser.parse_args()
    started = time.monotonic()
    admin = postgres_admin_url_or_skip()
    run = uuid.uuid4().hex[:8]
    retrying_client()
    faults: list[str] = []
    fault_problems: list[str] = []
    errors: list[str] = []
    results: list[dict[str, Any]] = []
    dbs = {name: PostgresDatabase(admin, prefix=f"chaos_{name}") for name in (*SERVICES, "gateway")}
    urls = {name: db.__enter__() for name, db in dbs.items()}
    summary: dict[str, Any] = {}
    phases: dict[str, float] = {}  # seconds since the start when each phase ended
    with tempfile.TemporaryDirectory(prefix="lexseal-chaos-") as tmp:
        cluster = Cluster(
            root=Path(tmp) / f"x{run}",
            database_urls=urls,
            exchange=f"lexseal.chaos.{run}",
            queue_prefix=f"lexseal.chaos.{run}",
        )
        cluster.base_env = {"GATEWAY_RATE_LIMIT_PER_SECOND": "0"}
        try:
            print("chaos: starting the cluster …", flush=True)
            cluster.start()
            cluster.wait_ready()
            phases["ready"] = time.monotonic() - started
            faults_done = threading.Event()
            injector = threading.Thread(
                target=inject, args=(cluster, faults, fault_problems, faults_done)
            )
            print(f"chaos: {args.lifecycles}+ lifecycles while faults are injected …", flush=True)
            injector.start()
            errors = lifecycles(
                cluster.url,
                total=args.lifecycles,
                concurrency=args.concurrency,
                out=Path(tmp) / "out",
                results=results,
                faults_done=faults_done,
            )
            injector.join()
            phases["faults+lifecycles"] = time.monotonic() - started
            asyncio.run(_settle(cluster, urls, 60))
            summary = asyncio.run(check(cluster, urls, results))
            phases["checked"] = time.monotonic() - started
            for e in errors[:10]:
                print(f"chaos: {e}", file=sys.stderr)
        except SystemError_ as exc:
            print(f"chaos: {exc}", file=sys.stderr)
        finally:
            cluster.stop()
            keep = ROOT / "var" / "chaos-logs"
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(cluster.root / "log", keep, dirs_exist_ok=True)
            for db in dbs.values():
                db.__exit__(None, None, None)
    for p in [*fault_problems, *summary.get("problems", [])][:10]:
        print(f"chaos: {p}", file=sys.stderr)
    completed = summary.get("completed", 0)
    # every lifecycle started counts: one that raised is lost (its error is printed above)
    ran = len(results) + len(errors)
    lost = ran - completed - summary.get("duplicated", 0)
    line = {
        "lifecycles": ran,
        "completed": completed,
        "lost": lost,
        "duplicated": summary.get("duplicated", 0),
        "faults": faults,
        "seconds": round(time.monotonic() - started, 1),
    }
    phases["stopped"] = time.monotonic() - started
    print("chaos: phases ended at " + ", ".join(f"{k} {v:.0f}s" for k, v in phases.items()))
    print(
        f"chaos: unpublished outbox rows {summary.get('unpublished')},"
        f" dead-lettered {summary.get('dead_lettered')}, 5xx answers {len(SERVER_ERRORS)}"
        + (f" (first: {SERVER_ERRORS[0]})" if SERVER_ERRORS else "")
    )
    print(json.dumps(line, ensure_ascii=False))
    clean = (
        not fault_problems
        and len(faults) == FAULTS
        and ran >= args.lifecycles
        and lost == 0
        and line["duplicated"] == 0
        and summary.get("unpublished") == 0
        and summary.get("dead_lettered") == 0
    )
    return 0 if clean else 1


if __name__ == "__main__":
    os.environ.setdefault("LEXSEAL_LOG_JSON", "true")
    sys.exit(main())
