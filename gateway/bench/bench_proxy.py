"""Throughput of the gateway's proxy path against the same upstream called directly.

Run (from the repository root):  .venv/bin/python gateway/bench/bench_proxy.py [--duration 10]
Needs `wrk` (Debian/Ubuntu: `apt-get install -y wrk`; macOS: `brew install wrk`).
Starts a trivial FastAPI upstream (1 uvicorn worker, uvloop + httptools) and the real gateway
(1 worker, `python -m gateway serve`) with every service URL pointed at the upstream, then runs
`wrk -t2 -c50 -d10s --latency` directly, through a public route and through an authenticated
route carrying a valid gateway token. Prints req/s, p99 latency and the ratio to direct.

The token route is measured twice: through the real gateway (which checks the user's token
version on every request: revocation on role change, deactivation, logout) and through the
same gateway with that check replaced by a no-op (`gateway_without_revocation.py`, the
gateway as it was before). The last line says whether the check keeps throughput within
10 % of that baseline. The two gateways are measured alternately, twice each, and the
better run of each counts, so a burst of other load on the machine skews both alike.
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
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - local URL
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"not up: {url}")


def wrk(url: str, *, duration: int, headers: list[str]) -> tuple[float, str]:
    args = ["wrk", "-t2", "-c50", f"-d{duration}s", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    return rps, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or brew install wrk)")
    up_port, gw_port, base_port = free_port(), free_port(), free_port()
    data = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    base_data = Path(tempfile.mkdtemp(prefix="gw-bench-base-"))
    upstream_url = f"http://127.0.0.1:{up_port}"

    def gateway_env(data_dir: Path) -> dict[str, str]:
        return {
            **os.environ,
            "GATEWAY_DATA_DIR": str(data_dir),
            "GATEWAY_LOG_LEVEL": "WARNING",
            # the limiter still runs on every request; the benchmark's one client must not hit it
            "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
            "GATEWAY_RATE_LIMIT_BURST": "1000000",
            **{
                f"GATEWAY_{s.upper()}_URL": upstream_url
                for s in ("contract", "review", "signing", "letters", "notify")
            },
        }

    env, base_env = gateway_env(data), gateway_env(base_data)
    for e in (env, base_env):  # a real user to log in as: the token must name one
        subprocess.run([PY, "-m", "gateway", "seed-demo"], env=e, check=True, capture_output=True)
    procs = [
        subprocess.Popen(
            [
                PY,
                "-m",
                "uvicorn",
                "--app-dir",
                str(HERE),
                "upstream_app:app",
                "--port",
                str(up_port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
        ),
        subprocess.Popen([PY, "-m", "gateway", "serve", "--port", str(gw_port)], env=env),
        subprocess.Popen(
            [PY, str(HERE / "gateway_without_revocation.py"), "serve", "--port", str(base_port)],
            env=base_env,
        ),
    ]
    try:
        wait_up(f"{upstream_url}/verify/ping")
        gw = f"http://127.0.0.1:{gw_port}"
        base = f"http://127.0.0.1:{base_port}"
        wait_up(f"{gw}/verify/ping")
        wait_up(f"{base}/verify/ping")
        auth = [f"Authorization: Bearer {login(gw)}"]
        base_auth = [f"Authorization: Bearer {login(base)}"]
        wrk(f"{upstream_url}/verify/ping", duration=2, headers=[])  # warm up
        wrk(f"{gw}/api/contract/ping", duration=2, headers=auth)
        wrk(f"{base}/api/contract/ping", duration=2, headers=base_auth)
        d = args.duration
        direct = wrk(f"{upstream_url}/verify/ping", duration=d, headers=[])
        public = wrk(f"{gw}/verify/ping", duration=d, headers=[])
        checked, unchecked = [], []
        for _ in range(2):
            unchecked.append(wrk(f"{base}/api/contract/ping", duration=d, headers=base_auth))
            checked.append(wrk(f"{gw}/api/contract/ping", duration=d, headers=auth))
        private, baseline = max(checked), max(unchecked)
        print(f"{'path':<44}{'req/s':>10}{'p99':>10}{'ratio':>8}")
        for name, (rps, p99) in (
            ("direct upstream", direct),
            ("gateway, public /verify/*", public),
            ("gateway, /api/contract/* + token (before)", baseline),
            ("gateway, /api/contract/* + token", private),
        ):
            print(f"{name:<44}{rps:>10.0f}{p99:>10}{rps / direct[0]:>8.2f}")
        ratio = private[0] / baseline[0]
        verdict = "within" if ratio >= 0.9 else "NOT within"
        print(f"token route with revocation check / without: {ratio:.3f} ({verdict} 10 %)")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(base_data, ignore_errors=True)


def login(gateway: str) -> str:
    """Log in as a demo lawyer; return the access token."""
    request = urllib.request.Request(  # noqa: S310 - local URL
        f"{gateway}/api/auth/login",
        data=json.dumps({"username": "lawyer1", "password": "demo-password"}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - local URL
        return str(json.load(resp)["access_token"])


if __name__ == "__main__":
    main()
