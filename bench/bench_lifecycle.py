"""K concurrent full lifecycles through the gateway, as the web client drives them.

    make bench-lifecycle                      # a make-run system (SQLite, one of each)
    make bench-lifecycle ARGS="--cluster"     # make cluster's shape: 3 brokers, 2 replicas
    .venv/bin/python bench/bench_lifecycle.py -n 40 -c 8 [--cluster [--replicas 1]]

Each lifecycle is `lexseal demo`'s: upload → review → invite → enterprise verification
(sandbox deposit) → counterparty signs → firm signs → completed and verified, plus an
electronic letter (sealed, shared) and a paper letter (mailed). Each worker thread logs its
users in once, as a browser session would, and runs lifecycles back to back.

It starts its own system on free ports (its own data directory, databases, exchange and
queues) so it knows every process and can read their CPU time (/proc, children included).
Printed: lifecycles/s, p50/p95 of each user-facing step, CPU seconds per lifecycle per
process, the raw baselines measured in the same run (lifecycle_baselines.py), the ideal CPU
of one lifecycle built from them and the ratio; the last line is one JSON object.
The machine's own broker and PostgreSQL serve the make-run shape; their CPU is not counted
(shared with whatever else runs). Rate limits are off for the run (one client address).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "deploy"), str(ROOT / "bench")]

from lexseal_cli import client as cli_client  # noqa: E402
from lexseal_cli.demo import Demo, run_contract, run_letters  # noqa: E402
from lifecycle_baselines import Baselines, measure_all  # noqa: E402
from system import SERVICES, System, free_port  # noqa: E402

AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
PG_ADMIN = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class Counters:
    """Requests the client sent (all, and those that change something)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.writes = 0

    def install(self) -> None:
        """Count every request of lexseal_cli's client."""
        original = cli_client.Gateway.request
        counters = self

        def counted(self: cli_client.Gateway, method: str, path: str, **kw: Any) -> Any:
            with counters.lock:
                counters.requests += 1
                counters.writes += method != "GET"
            return original(self, method, path, **kw)

        cli_client.Gateway.request = counted  # type: ignore[method-assign]


def _cpu(pid: int) -> float:
    """Return the CPU seconds of a process and its waited-for children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:15]) / ticks


def _cpu_tree(pid: int) -> float:
    """Return the CPU seconds of a process and all its live descendants (a broker's beam)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += _cpu(current)
        todo += children.get(current, [])
    return total


def _label(text: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "N", text)


def run_lifecycles(
    base_url: str, *, total: int, concurrency: int, out: Path
) -> tuple[int, list[str], dict[str, list[float]], float]:
    """Run ``total`` lifecycles on ``concurrency`` threads; return done, errors, steps, wall."""
    steps: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [total]
    done = [0]

    def worker(w: int) -> None:
        demo = Demo(base_url=base_url, out=out)
        try:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                    n = remaining[0]
                demo.out = out / f"w{w}-{n}"
                demo.out.mkdir(parents=True, exist_ok=True)
                marks: list[tuple[float, str]] = []
                demo.step = lambda text, m=marks: m.append((time.perf_counter(), _label(text)))  # type: ignore[method-assign]
                start = time.perf_counter()
                try:
                    run_contract(demo)
                    run_letters(demo)
                except Exception as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:300]}")
                    continue
                end = time.perf_counter()
                with lock:
                    done[0] += 1
                    for (t0, label), (t1, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
                        steps[label].append(t1 - t0)
                    steps["whole lifecycle"].append(end - start)
        finally:
            demo.close()

    wall = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0], errors, steps, time.perf_counter() - wall


async def _count(urls: dict[str, str]) -> dict[str, int]:
    from servicekit.db import create_engine
    from sqlalchemy import text

    totals = {"outbox": 0, "inbox": 0}
    for url in (urls[s] for s in SERVICES):  # the gateway publishes and consumes nothing
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                for table in totals:
                    totals[table] += int(
                        (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()  # noqa: S608
                    )
        finally:
            await engine.dispose()
    return totals


def ideal_cpu(b: Baselines, *, per: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Return the raw parts' CPU of one lifecycle (seconds) and its parts."""
    parts = {
        # two contract signatures and one letter seal
        "pyhanko_sign": 3 * b.sign,
        # the demo verifies the signed contract and the sealed letter
        "pyhanko_validate": 2 * b.validate,
        "publish": per["events"] * b.publish,
        # each request crosses the gateway and one service
        "http": per["requests"] * 2 * b.http,
        # a write request is one transaction, and so is each event a consumer applies
        "pg_tx": (per["writes"] + per["applied"]) * b.pg_tx,
    }
    return sum(parts.values()), parts


def _start_profile(
    pids: dict[str, int], process: str, root: Path
) -> tuple[subprocess.Popen[bytes], Path, str]:
    """Start py-spy on one process; it samples until stopped."""
    out = root / f"profile-{process}.txt"
    # --subprocesses: the bounded PDF children (servicekit.pdflimits) are a quarter of signing's
    # CPU; without it they are invisible and the parent's wait for them looks like its own time.
    options = ["--rate", "100", "--format", "raw", "--output", str(out), "--nonblocking"]
    options.append("--subprocesses")
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pids[process]),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return spy, out, process


_OURS = tuple(
    f"{package}/"
    for package in (*SERVICES, "gateway", "servicekit", "pades", "lexseal_ca", "lexseal_events")
)


def _print_profile(spy: subprocess.Popen[bytes], out: Path, process: str) -> None:
    """Stop py-spy and print where the sampled process spent its time (self and total)."""
    spy.send_signal(signal.SIGINT)
    spy.wait(30)
    if not out.exists():
        print(f"py-spy wrote no profile for {process}", file=sys.stderr)
        return
    own: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    samples = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1] for f in stack.split(";")]
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"py-spy {process}: {samples} samples; most time in (self %, total %):")
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {100 * n / samples:5.1f}% {100 * total[frame] / samples:5.1f}%  {frame}")
    # py-spy names a file by its import path ("signing/service_layer/signing.py:120")
    lexseal = [(f, n) for f, n in total.items() if f.rsplit(" (", 1)[-1].startswith(_OURS)]
    print(f"py-spy {process}: lexseal frames by total %:")
    for frame, n in sorted(lexseal, key=lambda kv: -kv[1])[:12]:
        print(f"  {100 * n / samples:5.1f}%  {frame}")


def _idle_cpu(pids: dict[str, int], seconds: float) -> dict[str, float]:
    """Return each process's CPU seconds per second while the system has nothing to do."""
    if seconds <= 0:
        return {}
    time.sleep(2)  # what the warm-up left in flight settles first
    before = {name: _cpu_tree(pid) for name, pid in pids.items()}
    time.sleep(seconds)
    return {name: (_cpu_tree(pid) - before[name]) / seconds for name, pid in pids.items()}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    """Run the benchmark and print its figures, the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--lifecycles", type=int, default=20)
    parser.add_argument("-c", "--concurrency", type=int, default=4)
    parser.add_argument("--cluster", action="store_true", help="make cluster's shape")
    parser.add_argument("--replicas", type=int, default=2, help="replicas per service (cluster)")
    parser.add_argument("--baseline-n", type=int, default=40)
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=8,
        help="measure each process's idle CPU this long before the run (0: skip)",
    )
    parser.add_argument(
        "--profile",
        metavar="PROCESS",
        help="sample this process (e.g. signing, gateway-1) with py-spy during the run",
    )
    args = parser.parse_args()

    print("measuring the raw baselines …", flush=True)
    baselines = measure_all(amqp_url=AMQP, pg_admin_url=PG_ADMIN, n=args.baseline_n)
    counters = Counters()
    counters.install()
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="lexseal-bench-") as tmp:
        root = Path(tmp)
        env = {"GATEWAY_RATE_LIMIT_PER_SECOND": "0", "LEXSEAL_LOG_JSON": "true"}
        dbs: list[Any] = []
        if args.cluster:
            from cluster import Cluster
            from servicekit.testing import PostgresDatabase

            urls = {}
            for name in (*SERVICES, "gateway"):
                db = PostgresDatabase(PG_ADMIN, prefix=f"bench_{name}")
                urls[name] = db.__enter__()
                dbs.append(db)
            system: Any = Cluster(
                root=root / f"c{run}",
                database_urls=urls,
                replicas=args.replicas,
                exchange=f"lexseal.bench.{run}",
                queue_prefix=f"lexseal.bench.{run}",
            )
            system.base_env = env
            shape = f"cluster: 3 RabbitMQ nodes, HAProxy, {args.replicas} replica(s) each"
        else:
            urls = {
                name: f"sqlite+aiosqlite:///{root / name / name}.db"
                for name in (*SERVICES, "gateway")
            }
            ports = {name: free_port() for name in (*SERVICES, "gateway")}
            system = System(
                data_dir=root,
                amqp_url=AMQP,
                ports=ports,
                exchange=f"lexseal.bench.{run}",
                queue_prefix=f"lexseal.bench.{run}",
                database_urls=urls,
                extra_env=env,
            )
            shape = "make run: one process per service, SQLite, the machine's broker"
        try:
            print(f"starting {shape} …", flush=True)
            system.start()
            system.wait_ready()
            base_url = system.url if args.cluster else system.gateway_url
            pids = {name: p.pid for name, p in system.processes.items()}
            if args.cluster:
                pids |= {n.name.split("@")[0]: n.proc.pid for n in system.nodes if n.proc}
                if system.haproxy:
                    pids["haproxy"] = system.haproxy.pid
            out = root / "out"
            print("warming up (one lifecycle, not counted) …", flush=True)
            _, warm_errors, _, _ = run_lifecycles(base_url, total=1, concurrency=1, out=out)
            if warm_errors:
                print(f"warm-up failed: {warm_errors[0]}", file=sys.stderr)
            idle = _idle_cpu(pids, args.idle_seconds)
            rows_before = asyncio.run(_count(urls))
            req_before = (counters.requests, counters.writes)
            cpu_before = {name: _cpu_tree(pid) for name, pid in pids.items()}
            print(
                f"running {args.lifecycles} lifecycles on {args.concurrency} threads …", flush=True
            )
            spy = _start_profile(pids, args.profile, root) if args.profile else None
            done, errors, steps, wall = run_lifecycles(
                base_url, total=args.lifecycles, concurrency=args.concurrency, out=out
            )
            if spy is not None:
                _print_profile(*spy)
            cpu = {name: _cpu_tree(pid) - cpu_before[name] for name, pid in pids.items()}
            # events land in the outbox a moment after the last answer; let them settle
            time.sleep(2)
            rows = asyncio.run(_count(urls))
            if errors:
                # the run's directory goes with it; keep the processes' logs to find the cause
                kept = Path("var") / f"bench-lifecycle-{run}-logs"
                shutil.copytree(system.log_path("gateway").parent, kept, dirs_exist_ok=True)
                print(f"{len(errors)} lifecycle(s) failed; the logs are in {kept}", file=sys.stderr)
        finally:
            system.stop()
            for db in dbs:
                db.__exit__(None, None, None)

    n = max(done, 1)
    per = {
        "requests": (counters.requests - req_before[0]) / n,
        "writes": (counters.writes - req_before[1]) / n,
        "events": (rows["outbox"] - rows_before["outbox"]) / n,
        "applied": (rows["inbox"] - rows_before["inbox"]) / n,
    }
    ideal, parts = ideal_cpu(baselines, per=per)
    counted = {k: v for k, v in cpu.items() if not k.startswith("lexseal-") and k != "haproxy"}
    cpu_per = sum(counted.values()) / n
    print(f"\n{shape}")
    print(f"lifecycles: {done} done, {len(errors)} failed, {wall:.1f} s wall")
    print(f"lifecycles/s: {done / wall:.3f}")
    print("steps (seconds, p50 / p95):")
    for label, values in sorted(steps.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {_pct(values, 0.5):7.3f} / {_pct(values, 0.95):7.3f}  {label}")
    print("CPU seconds per lifecycle, per process:")
    for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        extra = "" if name in counted else "  (infrastructure, not in the sum)"
        if name in idle:
            extra += f"  idle {idle[name] * 1000:.0f} ms/s"
        print(f"  {seconds / n:7.3f}  {name}{extra}")
    print(f"  {cpu_per:7.3f}  sum of lexseal processes")
    if idle:
        # Relays, consumers and health loops cost CPU even with no work; that fixed cost per
        # process per second is what a second replica adds on top of the work itself.
        idle_per = sum(idle[k] for k in counted) * wall / n
        print(
            f"idle CPU of the lexseal processes: {sum(idle[k] for k in counted) * 1000:.0f} ms/s"
            f" together ({len(counted)} processes); per lifecycle at this rate {idle_per:.3f} s,"
            f" so the work itself: {cpu_per - idle_per:.3f} s"
        )
    print("per lifecycle: " + ", ".join(f"{k} {v:.1f}" for k, v in per.items()))
    print("raw baselines (CPU ms per operation): " + json.dumps(baselines.as_dict()))
    print(
        "ideal CPU per lifecycle (s): "
        + ", ".join(f"{k} {v:.4f}" for k, v in parts.items())
        + f" = {ideal:.4f}"
    )
    for e in errors[:5]:
        print(f"error: {e}", file=sys.stderr)
    print(
        json.dumps(
            {
                "lifecycles": done,
                "lifecycles_per_s": round(done / wall, 3),
                "cpu_s_per_lifecycle": round(cpu_per, 4),
                "ideal_cpu_s": round(ideal, 4),
                "ratio": round(cpu_per / ideal, 2) if ideal else None,
                "errors": len(errors),
            }
        )
    )
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
