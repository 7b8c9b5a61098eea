"""A whole lexseal cluster on this one machine: `make cluster`.

- a 3-node RabbitMQ cluster (own node names, ports, data directories under the cluster's
  directory, one Erlang cookie; the machine's own broker is never touched), reached through
  HAProxy so a client whose node goes away reconnects to another; quorum queues replicate
  across the three nodes;
- PostgreSQL: the machine's, one database per service (``<db_prefix>_<service>``);
- two replicas of every service, each with its own data directory (nothing they need is
  on it: documents and keys are in each service's blob store, its database);
- two gateways behind HAProxy, which also balances each service's replicas for the
  gateways' calls and for claim-check fetches between services; they share login
  lockouts, rate buckets, token versions and revoked API keys in the machine's Redis
  (``REDIS_URL``, default ``redis://127.0.0.1:6379/0``), under a key prefix of the cluster's.

Used by `make cluster` (this file's main), the lifecycle benchmark (--cluster) and the chaos
test. Every process is a child of the supervisor and dies with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from system import (
    SERVICES,
    System,
    SystemError_,
    _die_with_parent,
    free_port,
    rabbitmq_problem,
    run_until_signal,
)

T = TypeVar("T")
RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
NODES = 3


def _node_safe(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)[:40]


@dataclass
class RabbitNode:
    """One broker node of the cluster, in its own directory."""

    name: str  # e.g. lexseal-c1@localhost
    port: int
    dist_port: int
    base: Path
    home: Path
    proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """Return the environment that makes rabbitmq-server this node and no other."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")}
        env.update(
            {
                "HOME": str(self.home),  # the cluster's own .erlang.cookie
                "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
                "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
                "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.base / "log"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
                "RABBITMQ_PID_FILE": str(self.base / "rabbit.pid"),
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                # inter-node traffic on loopback only
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
                    "-kernel inet_dist_use_interface {127,0,0,1}"
                ),
            }
        )
        return env

    def prepare(self) -> None:
        """Write the node's configuration (idempotent)."""
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq-env.conf").write_text(
            "# lexseal cluster node: settings come from the environment\n"
        )
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "log.file.level = warning\n"
            "log.console = false\n"
            # a node that is stopped for a while must not take the cluster down with it
            "cluster_partition_handling = pause_minority\n"
        )
        (self.base / "enabled_plugins").write_text("[].\n")

    def start(self, log: Path) -> None:
        """Start the node (in the foreground of its own child process)."""
        out = open(log, "ab")  # noqa: SIM115 - lives with the child
        self.proc = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")],
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def ctl(self, *args: str, timeout: float = 120) -> str:
        """Run rabbitmqctl against this node; raise with its output when it fails."""
        result = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise SystemError_(
                f"rabbitmqctl -n {self.name} {' '.join(args)}: {result.stderr or result.stdout}"
            )
        return result.stdout

    def await_startup(self, timeout: float = 120) -> None:
        """Wait until the node runs its applications (it may not be known to epmd yet)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ctl("await_startup", "--timeout", "30", timeout=45)
                return
            except (SystemError_, subprocess.TimeoutExpired):
                if self.proc is not None and self.proc.poll() is not None:
                    raise SystemError_(f"broker node {self.name} exited") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def stop(self) -> None:
        """Stop the node gracefully (its data stays)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.ctl("stop", timeout=60)
            except (SystemError_, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


@dataclass
class Cluster:
    """Brokers, HAProxy, two replicas of every service and two gateways."""

    root: Path
    database_urls: dict[str, str]
    lb_port: int = 0
    replicas: int = 2
    exchange: str = "lexseal.events"
    queue_prefix: str = "lexseal"
    nodes: list[RabbitNode] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    haproxy: subprocess.Popen[bytes] | None = None
    base_env: dict[str, str] = field(default_factory=dict)
    redis_url: str = field(
        default_factory=lambda: os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.lb_port = self.lb_port or free_port()
        self.ports.setdefault("amqp", free_port())
        for name in (*SERVICES, "gateway"):
            self.ports.setdefault(f"{name}-lb", free_port())
            for i in range(1, self.replicas + 1):
                self.ports.setdefault(f"{name}-{i}", free_port())
        if not self.nodes:
            home = self.root / "rabbit" / "home"
            for i in range(1, NODES + 1):
                port = free_port()
                self.nodes.append(
                    RabbitNode(
                        name=f"lexseal-{_node_safe(self.root.name)}-{i}@localhost",
                        port=port,
                        dist_port=free_port(),
                        base=self.root / "rabbit" / f"n{i}",
                        home=home,
                    )
                )

    # --- addresses ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return where users open the cluster (HAProxy in front of the gateways)."""
        return f"http://127.0.0.1:{self.lb_port}"

    @property
    def amqp_url(self) -> str:
        """Return the broker address every process uses (HAProxy in front of the nodes)."""
        return f"amqp://guest:guest@127.0.0.1:{self.ports['amqp']}/"

    def replica_names(self, name: str) -> list[str]:
        """Return the process names of one service's replicas (``signing-1``, ...)."""
        return [f"{name}-{i}" for i in range(1, self.replicas + 1)]

    def log_path(self, process: str) -> Path:
        """Return the log file of one process."""
        return self.root / "log" / f"{process}.log"

    # --- brokers -----------------------------------------------------------------------

    def _cookie(self) -> None:
        home = self.nodes[0].home
        home.mkdir(parents=True, exist_ok=True)
        cookie = home / ".erlang.cookie"
        if not cookie.exists():
            import secrets

            fd = os.open(cookie, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(20).upper())

    def start_brokers(self) -> None:
        """Start three nodes and join the second and third to the first."""
        if not (RABBIT_BIN / "rabbitmq-server").exists():
            raise SystemError_(
                "RabbitMQ is not installed: sudo apt-get install rabbitmq-server (make cluster"
                " starts its own three nodes; the machine's broker is left alone)"
            )
        self._cookie()
        for node in self.nodes:
            node.prepare()
            node.start(self.log_path(node.name.split("@")[0]))
        _parallel(node.await_startup for node in self.nodes)
        first = self.nodes[0]
        # one node at a time: the join leaves the cluster with a stopped member until the
        # node's start_app, and a second join meanwhile once left all nodes unreachable
        statuses = _parallel(
            partial(node.ctl, "cluster_status", "--formatter", "json") for node in self.nodes[1:]
        )
        for node, status in zip(self.nodes[1:], statuses, strict=True):
            if first.name in status:
                continue  # joined on an earlier start: its data remembers the cluster
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)  # resets the node first
            node.ctl("start_app")
            node.await_startup()

    def stop_node(self, index: int) -> None:
        """Stop one broker node (chaos); its data stays for the restart."""
        self.nodes[index].stop()

    def start_node(self, index: int) -> None:
        """Start a stopped node again; it rejoins the cluster from its data."""
        node = self.nodes[index]
        node.start(self.log_path(node.name.split("@")[0]))
        node.await_startup()

    # --- HAProxy -----------------------------------------------------------------------

    def haproxy_config(self) -> str:
        """Return HAProxy's configuration: the gateways, each service, the brokers."""
        lines = [
            "global",
            "  maxconn 4000",
            "defaults",
            "  mode http",
            "  timeout connect 2s",
            "  timeout client 180s",
            "  timeout server 180s",
            "  option redispatch",
            # a replica killed mid-connection: the request goes to the other one, but only
            # when it never reached the first (retrying a sent POST could apply it twice)
            "  retries 3",
            "  retry-on conn-failure",
            "",
        ]
        for name in ("gateway", *SERVICES):
            listen_port = self.lb_port if name == "gateway" else self.ports[f"{name}-lb"]
            lines += [
                f"listen {name}",
                f"  bind 127.0.0.1:{listen_port}",
                "  balance roundrobin",
                "  option forwardfor" if name == "gateway" else "  option forwardfor if-none",
                "  option httpchk GET /readyz",
                "  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions",
            ]
            lines += [
                f"  server {p} 127.0.0.1:{self.ports[p]} check" for p in self.replica_names(name)
            ]
            lines.append("")
        lines += [
            "listen amqp",
            f"  bind 127.0.0.1:{self.ports['amqp']}",
            "  mode tcp",
            "  balance leastconn",
            "  timeout client 3h",
            "  timeout server 3h",
            "  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions",
        ]
        lines += [f"  server n{i} 127.0.0.1:{n.port} check" for i, n in enumerate(self.nodes)]
        return "\n".join(lines) + "\n"

    def start_haproxy(self) -> None:
        """Start HAProxy in the foreground of a child process."""
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(binary).exists():
            raise SystemError_("HAProxy is not installed: sudo apt-get install haproxy")
        config = self.root / "haproxy.cfg"
        config.write_text(self.haproxy_config())
        self.haproxy = subprocess.Popen(
            [binary, "-db", "-f", str(config)],
            stdout=open(self.log_path("haproxy"), "ab"),  # noqa: SIM115 - lives with the child
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    # --- services ----------------------------------------------------------------------

    def _system(self) -> System:
        ports = {name: self.ports[f"{name}-lb"] for name in SERVICES}
        ports["gateway"] = self.lb_port
        return System(
            data_dir=self.root,
            amqp_url=self.amqp_url,
            ports=ports,
            exchange=self.exchange,
            queue_prefix=self.queue_prefix,
            database_urls=self.database_urls,
            extra_env=self.base_env,
        )

    def environment(self, process: str) -> dict[str, str]:
        """Return the environment of one replica: the service's, with its own port and disk."""
        name, _, _ = process.rpartition("-")
        env = self._system().environment(name)
        p = name.upper() + "_"
        env[p + "PORT"] = str(self.ports[process])
        env[p + "DATA_DIR"] = str(self.root / process)
        # twelve replicas share one PostgreSQL server with whatever else runs on it
        env.setdefault(p + "DB_POOL_SIZE", "3")
        env.setdefault(p + "DB_MAX_OVERFLOW", "3")
        if name == "gateway":
            env["GATEWAY_TRUSTED_PROXIES"] = '["127.0.0.1"]'
            env["GATEWAY_PUBLIC_BASE_URL"] = self.url
            # one store for both gateways: a lockout or revocation at one holds at the other
            env["GATEWAY_REDIS_URL"] = self.redis_url
            env["GATEWAY_REDIS_PREFIX"] = f"lexseal:{_node_safe(str(self.root))}:gw:"
        else:
            # claim-check URLs name the service, not a replica: HAProxy picks one
            env[p + "INTERNAL_BASE_URL"] = f"http://127.0.0.1:{self.ports[name + '-lb']}"
        return env

    def start_process(self, process: str) -> None:
        """Start (or restart) one replica."""
        name, _, _ = process.rpartition("-")
        self.processes[process] = subprocess.Popen(
            [sys.executable, "-m", name, "serve"],
            env=self.environment(process),
            stdout=open(self.log_path(process), "ab"),  # noqa: SIM115 - lives with the child
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def kill(self, process: str) -> None:
        """kill -9 one replica (chaos)."""
        proc = self.processes[process]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def start(self, *, seed_demo: bool = True) -> None:
        """Start brokers, HAProxy, migrate once, then every replica."""
        (self.root / "log").mkdir(parents=True, exist_ok=True)
        if problem := redis_problem(self.redis_url):
            raise SystemError_(
                f"the gateways share their state in Redis at {self.redis_url}: {problem} "
                "(install and start redis-server, or set REDIS_URL)"
            )
        self.start_brokers()
        self.start_haproxy()
        deadline = time.monotonic() + 30
        while (problem := rabbitmq_problem(self.amqp_url)) and time.monotonic() < deadline:
            if self.haproxy is not None and self.haproxy.poll() is not None:
                raise SystemError_(f"HAProxy exited; see {self.log_path('haproxy')}")
            time.sleep(0.5)
        if problem:
            raise SystemError_(f"the brokers are not reachable through HAProxy: {problem}")
        system = self._system()
        system.environment("gateway")  # creates the shared secrets and JWT keys, once

        def migrate(name: str) -> None:
            system.run_once(name, "migrate")
            if name == "gateway" and seed_demo:
                system.run_once("gateway", "seed-demo")

        # each service migrates its own database: the seven run side by side
        _parallel(partial(migrate, name) for name in (*SERVICES, "gateway"))
        for name in (*SERVICES, "gateway"):
            for process in self.replica_names(name):
                self.start_process(process)

    def wait_ready(self, timeout: float = 180) -> None:
        """Wait until every replica answers /readyz and the gateway sees every service."""
        deadline = time.monotonic() + timeout
        pending = {p: self.ports[p] for p in self.processes}
        while pending and time.monotonic() < deadline:
            for process, port in list(pending.items()):
                proc = self.processes[process]
                if proc.poll() is not None:
                    raise SystemError_(
                        f"{process} exited ({proc.returncode}); see {self.log_path(process)}"
                    )
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                        del pending[process]
                except OSError:
                    pass
            time.sleep(0.2)
        if pending:
            raise SystemError_(f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}")

    def stop(self) -> None:
        """Stop every replica, HAProxy and the broker nodes."""
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()
        if self.haproxy is not None and self.haproxy.poll() is None:
            self.haproxy.terminate()
            self.haproxy.wait(10)
        _parallel(node.stop for node in self.nodes)


def _parallel(calls: Iterable[Callable[[], T]]) -> list[T]:
    """Run the calls side by side in threads; return their results, or raise the first error."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def redis_problem(url: str) -> str | None:
    """Return why Redis at ``url`` does not answer PING, or None when it does."""
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=3
        ) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    if answer.startswith((b"+PONG", b"-NOAUTH")):
        return None
    return f"unexpected answer {answer[:40]!r}"


def ensure_databases(admin_url: str, prefix: str) -> dict[str, str]:
    """Create ``<prefix>_<service>`` databases that are missing; return their asyncpg URLs."""
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            for name in (*SERVICES, "gateway"):
                db = f"{prefix}_{name}"
                if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", db):
                    await conn.execute(f'CREATE DATABASE "{db}"')
        finally:
            await conn.close()

    asyncio.run(create())
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return {name: f"{base}/{prefix}_{name}" for name in (*SERVICES, "gateway")}


def main() -> int:
    """Run the cluster until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default="var/cluster", help="where nodes, logs and disks live")
    parser.add_argument("--port", type=int, default=9000, help="the load balancer's port")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL admin connection (databases lexseal_cluster_<service> are created)",
    )
    args = parser.parse_args()
    cluster = Cluster(
        root=Path(args.dir),
        database_urls=ensure_databases(args.database_url, "lexseal_cluster"),
        lb_port=args.port,
    )

    def banner() -> str:
        nodes = ", ".join(f"{n.name} :{n.port}" for n in cluster.nodes)
        return (
            f"\nlexseal cluster is running — open {cluster.url}\n"
            f"  brokers: {nodes} (through HAProxy at {cluster.amqp_url})\n"
            f"  replicas: {', '.join(sorted(cluster.processes))}\n"
            f"  logs: {cluster.root / 'log'} · Ctrl-C stops everything\n"
        )

    return run_until_signal(
        cluster,
        "lexseal cluster",
        starting="3 RabbitMQ nodes, HAProxy, 2 replicas of every service …",
        banner=banner,
    )


if __name__ == "__main__":
    sys.exit(main())
