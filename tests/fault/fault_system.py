"""The system under fault: every lexseal process on its own ports, databases, exchange and queues,
its AMQP connections through a BrokerProxy; processes killed and started one at a time.

Everything it creates (processes, databases, exchange, queues) is removed on exit, also when
the suite fails half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from servicekit.messaging import connect
from servicekit.testing import BrokerProxy, PostgresDatabase

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

from system import SERVICES, System, _die_with_parent, free_port  # noqa: E402

PROCESSES = (*SERVICES, "gateway")
# Waits between a failing message's attempts: shorter than production's (1, 5, 30 s) so the
# poison message whose handler keeps failing reaches its DLQ within the run; same mechanism.
RETRY_DELAYS = (1.0, 3.0, 10.0)
__all__ = ["PROCESSES", "SERVICES", "FaultSystem", "free_port", "read_json"]


class FaultSystem:
    """Start, kill, restart and inspect one isolated lexseal system."""

    def __init__(self, *, data_dir: Path, amqp_url: str, pg_admin_url: str) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.data_dir = data_dir
        self.amqp_url = amqp_url  # the real broker: the suite itself talks to it directly
        self.pg_admin_url = pg_admin_url
        parsed = urlparse(amqp_url)
        self.proxy = BrokerProxy(upstream=(parsed.hostname or "127.0.0.1", parsed.port or 5672))
        self.dbs: dict[str, str] = {}
        self._stack = ExitStack()
        self.system: System | None = None
        self.exited: list[str] = []  # processes found dead that nobody killed

    # ---- lifecycle ----

    def __enter__(self) -> FaultSystem:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        for name in PROCESSES:
            self.dbs[name] = self._stack.enter_context(
                PostgresDatabase(self.pg_admin_url, prefix=f"fault_{name}")
            )
        self._stack.enter_context(self.proxy.in_thread())
        prefix = f"lexseal.fault.{self.run}"
        self.system = System(
            data_dir=self.data_dir,
            amqp_url=self.proxy.url(self.amqp_url),
            ports={name: free_port() for name in PROCESSES},
            exchange=prefix,
            queue_prefix=prefix,
            database_urls=self.dbs,
            extra_env={
                "LEXSEAL_LOG_JSON": "true",
                **{f"{n.upper()}_RETRY_DELAYS": json.dumps(RETRY_DELAYS) for n in SERVICES},
            },
        )
        self._stack.callback(self._delete_bus)
        self._stack.callback(self.system.stop)
        self.system.start()
        self.system.wait_ready(timeout=180)

    def close(self) -> None:
        """Stop every process, delete the exchange and queues, drop the databases."""
        self._stack.close()

    @property
    def sys(self) -> System:
        assert self.system is not None, "the system is not started"
        return self.system

    @property
    def exchange(self) -> str:
        return self.sys.exchange

    def queue(self, service: str) -> str:
        """Return the name of a service's queue."""
        return f"{self.sys.queue_prefix}.{service}"

    def pg_url(self, name: str) -> str:
        """Return a plain (asyncpg) URL of one process's database."""
        return self.dbs[name].replace("postgresql+asyncpg://", "postgresql://")

    # ---- processes ----

    def spawn(self, name: str) -> None:
        """Start one process again, as System.start does, appending to its log."""
        s = self.sys
        out = open(s.log_path(name), "ab")  # noqa: SIM115 - lives with the child
        s.processes[name] = subprocess.Popen(
            [s.python, "-m", name, "serve"],
            env=s.environment(name),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        out.close()

    def kill9(self, name: str) -> None:
        """SIGKILL one process (its whole process group) and reap it."""
        proc = self.sys.processes[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def terminate(self, name: str, timeout: float = 20) -> None:
        """Stop one process as an operator would (SIGTERM), SIGKILL if it hangs."""
        proc = self.sys.processes[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9(name)

    def alive(self, name: str) -> bool:
        """Tell whether the process is still running."""
        return self.sys.processes[name].poll() is None

    def http_ok(self, name: str, path: str, timeout: float = 3) -> bool:
        """Tell whether GET <process><path> answers 200 now."""
        try:
            with urllib.request.urlopen(self.sys.url(name) + path, timeout=timeout) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def wait_http(self, name: str, path: str, *, timeout: float) -> bool:
        """Poll until GET <process><path> answers 200 or the process exits; tell which."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.http_ok(name, path):
                return True
            if not self.alive(name):
                return False
            time.sleep(0.3)
        return False

    def check_processes(self) -> list[str]:
        """Return the processes that exited by themselves (and remember them)."""
        dead = [n for n, p in self.sys.processes.items() if p.poll() is not None]
        self.exited.extend(n for n in dead if n not in self.exited)
        return dead

    def log_tail(self, name: str, chars: int = 2000) -> str:
        """Return the end of one process's log."""
        path = self.sys.log_path(name)
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # ---- the broker, seen directly (never through the proxy) ----

    def queues(self) -> dict[str, dict[str, int]]:
        """Return messages / unacked / consumers of this system's queues (rabbitmqctl)."""
        out = subprocess.run(
            [
                "rabbitmqctl",
                "list_queues",
                "-q",
                "--formatter=json",
                "name",
                "messages_ready",
                "messages_unacknowledged",
                "consumers",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        prefix = self.sys.queue_prefix + "."
        return {
            row["name"]: {
                "ready": int(row["messages_ready"]),
                "unacked": int(row["messages_unacknowledged"]),
                "consumers": int(row["consumers"]),
            }
            for row in json.loads(out or "[]")
            if row["name"].startswith(prefix)
        }

    def bindings(self) -> dict[str, set[str]]:
        """Return each service queue's routing keys on this system's exchange (rabbitmqctl)."""
        out = subprocess.run(
            [
                "rabbitmqctl",
                "list_bindings",
                "-q",
                "--formatter=json",
                "source_name",
                "destination_name",
                "routing_key",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        found: dict[str, set[str]] = {}
        for row in json.loads(out or "[]"):
            if row["source_name"] == self.exchange:
                found.setdefault(row["destination_name"], set()).add(row["routing_key"])
        return found

    def _delete_bus(self) -> None:
        from servicekit.messaging import delete_topology

        async def run() -> None:
            conn = await connect(self.amqp_url)
            try:
                channel = await conn.channel()
                await delete_topology(
                    channel,
                    exchange=self.exchange,
                    queues=[self.queue(n) for n in SERVICES],
                    retry_delays=RETRY_DELAYS,
                )
                # and whatever else the kit declared under this system's prefix
                with contextlib.suppress(subprocess.SubprocessError, OSError, ValueError):
                    for name in self.queues():
                        await channel.queue_delete(name, if_unused=False, if_empty=False)
            finally:
                await conn.close()

        asyncio.run(run())


def read_json(url: str, timeout: float = 5) -> Any:
    """GET a JSON document (a health answer), whatever its status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"null")
