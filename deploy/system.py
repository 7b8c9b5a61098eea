"""Start every lexseal process on one machine: the five services and the gateway.

Used by `make run` (deploy/run.py) and by the end-to-end tests, so both run the system the
same way: one process per service, each with its own database, all on one RabbitMQ.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

SERVICES = ("contract", "review", "signing", "letters", "notify")
DEFAULT_PORTS = {
    "gateway": 8000,
    "contract": 8101,
    "review": 8102,
    "signing": 8103,
    "letters": 8104,
    "notify": 8105,
}


class SystemError_(RuntimeError):
    """The system could not be started; the message says why and what to do."""


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this child when the supervisor dies, even by SIGKILL."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: Ctrl-C / stop() still end the children


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rabbitmq_problem(amqp_url: str) -> str | None:
    """Return one line saying why RabbitMQ is unusable, or None when it answers."""
    parsed = urlparse(amqp_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5672
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            if not sock.recv(8):
                raise OSError("closed")
    except OSError:
        return (
            f"RabbitMQ is not reachable at {host}:{port}: start it with "
            "`sudo rabbitmq-server -detached` (install: `sudo apt-get install rabbitmq-server`), "
            "or point AMQP_URL at a running broker."
        )
    return None


def ensure_secret(path: Path, nbytes: int = 32) -> str:
    """Return the secret stored at `path`, creating it (mode 600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


def ensure_jwt_keys(key_dir: Path) -> tuple[Path, Path]:
    """Return (private, public) PEM paths of the gateway's Ed25519 key, creating them once."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private, public = key_dir / "jwt-ed25519.pem", key_dir / "jwt-ed25519.pub.pem"
    if not private.exists():
        key_dir.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private, public


@dataclass
class System:
    """Every lexseal process, configured from one data directory."""

    data_dir: Path
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    exchange: str = "lexseal.events"
    queue_prefix: str = "lexseal"
    # the exchange partners consume from (notify publishes, the gateway documents it); by
    # default lexseal.partner, or `{exchange}.partner` beside a test's own exchange
    partner_exchange: str = ""
    database_urls: dict[str, str] = field(default_factory=dict)
    python: str = sys.executable
    log_to_files: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        """Return where users open the system."""
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def partner_bus_exchange(self) -> str:
        """Return the exchange partners consume from."""
        if self.partner_exchange:
            return self.partner_exchange
        default = self.exchange == "lexseal.events"
        return "lexseal.partner" if default else f"{self.exchange}.partner"

    def url(self, name: str) -> str:
        """Return the internal base URL of one process."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def environment(self, name: str) -> dict[str, str]:
        """Return the environment of one process (prefixed settings)."""
        d = self.data_dir.resolve()
        internal = ensure_secret(d / "secrets/internal.secret")
        _, public = ensure_jwt_keys(d / "gateway/keys")
        p = name.upper() + "_"
        env = dict(os.environ)
        env.update(
            {
                p + "ENVIRONMENT": env.get("LEXSEAL_ENVIRONMENT", "development"),
                p + "DATA_DIR": str(d / name),
                p + "PORT": str(self.ports[name]),
                p + "HOST": "127.0.0.1",
                p + "AMQP_URL": self.amqp_url,
                p + "EXCHANGE": self.exchange,
                p + "PARTNER_EXCHANGE": self.partner_bus_exchange,
                p + "QUEUE_PREFIX": self.queue_prefix,
                p + "INTERNAL_SECRET": internal,
                p + "JWT_PUBLIC_KEY_FILE": str(public),
                p + "PUBLIC_BASE_URL": self.gateway_url,
                p + "LOG_JSON": env.get("LEXSEAL_LOG_JSON", "true"),
            }
        )
        if name in self.database_urls:
            env[p + "DATABASE_URL"] = self.database_urls[name]
        if name in ("signing", "letters"):
            # one firm: the seal the signing service draws names the firm the letterhead names
            env.setdefault(p + "FIRM_NAME", env.get("LEXSEAL_FIRM_NAME", "北京某某律师事务所"))
        if name == "signing":
            env.setdefault(
                "SIGNING_KEY_PASSPHRASE", ensure_secret(d / "secrets/signing-key.secret")
            )
        if name == "notify" and env[p + "ENVIRONMENT"] != "production":
            # `lexseal demo` plays a partner whose webhook receiver listens on 127.0.0.1
            env.setdefault("NOTIFY_WEBHOOK_ALLOW_LOOPBACK_TARGETS", "true")
        if name == "gateway":
            env["GATEWAY_JWT_PRIVATE_KEY_FILE"] = str(d / "gateway/keys/jwt-ed25519.pem")
            for svc in SERVICES:
                env[f"GATEWAY_{svc.upper()}_URL"] = self.url(svc)
        env.update(self.extra_env)
        return env

    def run_once(self, name: str, *args: str) -> None:
        """Run a one-off command of a process (migrate, seed-demo) and fail loudly."""
        result = subprocess.run(
            [self.python, "-m", name, *args],
            env=self.environment(name),
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemError_(
                f"`{name} {' '.join(args)}` failed:\n{result.stderr.decode()[-3000:]}"
            )

    def start(self, *, seed_demo: bool = True) -> None:
        """Migrate every database, seed demo users, then start every process."""
        problem = rabbitmq_problem(self.amqp_url)
        if problem:
            raise SystemError_(problem)
        (self.data_dir / "log").mkdir(parents=True, exist_ok=True)
        for name in (*SERVICES, "gateway"):
            self.run_once(name, "migrate")
        if seed_demo:
            self.run_once("gateway", "seed-demo")
        for name in (*SERVICES, "gateway"):
            out = (
                open(self.data_dir / "log" / f"{name}.log", "ab")  # noqa: SIM115 - lives with the child
                if self.log_to_files
                else None
            )
            self.processes[name] = subprocess.Popen(
                [self.python, "-m", name, "serve"],
                env=self.environment(name),
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def wait_ready(self, timeout: float = 120) -> dict[str, object]:
        """Wait until the gateway's /healthz says every service is ready."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise SystemError_(
                        f"{name} exited with status {proc.returncode}; see {self.log_path(name)}"
                    )
            try:
                with urllib.request.urlopen(self.gateway_url + "/healthz", timeout=3) as resp:  # noqa: S310
                    import json

                    body: dict[str, object] = json.loads(resp.read())
                    return body
            except urllib.error.HTTPError as exc:
                last = exc.read().decode(errors="replace")[:500]
            except OSError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise SystemError_(f"lexseal did not become ready in {timeout:.0f}s: {last}")

    def log_path(self, name: str) -> Path:
        """Return the log file of one process."""
        return self.data_dir / "log" / f"{name}.log"

    def stop(self, timeout: float = 15) -> None:
        """Stop every process: SIGTERM, then SIGKILL after `timeout`."""
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()


class Supervised(Protocol):
    """What `run_until_signal` runs: `System` (make run) or `Cluster` (make cluster)."""

    processes: dict[str, subprocess.Popen[bytes]]

    def start(self) -> None: ...

    def wait_ready(self) -> object: ...

    def stop(self) -> None: ...

    def log_path(self, name: str) -> Path: ...


def run_until_signal(
    system: Supervised, label: str, *, starting: str, banner: Callable[[], str]
) -> int:
    """Start ``system``, print ``banner()``, and supervise it until Ctrl-C or SIGTERM.

    A process that exits on its own stops everything (status 1): a half-running system
    that looks up is worse than one that says it is down. Messages start with ``label``.
    """
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print(f"{label}: {starting}", flush=True)
        system.start()
        system.wait_ready()
    except SystemError_ as exc:
        print(f"{label}: {exc}", file=sys.stderr)
        system.stop()
        return 1
    print(banner(), flush=True)
    code = 0
    while not stopping:
        for name, proc in system.processes.items():
            if proc.poll() is not None:
                print(
                    f"{label}: {name} exited ({proc.returncode}); see {system.log_path(name)}",
                    file=sys.stderr,
                )
                stopping, code = True, 1
                break
        time.sleep(0.5)
    print(f"{label}: stopping …", flush=True)
    system.stop()
    print(f"{label}: stopped.", flush=True)
    return code
