"""`make run` and `make cluster` share one supervisor loop (deploy/system.py run_until_signal)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))

from system import SystemError_, run_until_signal


class Fake:
    """A system of one child process; records what the supervisor did to it."""

    def __init__(self, argv: list[str] | None = None, *, fail: str = "") -> None:
        self.argv, self.fail = argv, fail
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")
        if self.fail:
            raise SystemError_(self.fail)
        if self.argv:
            self.processes["svc"] = subprocess.Popen(self.argv)

    def wait_ready(self) -> object:
        self.calls.append("ready")
        return None

    def stop(self) -> None:
        self.calls.append("stop")
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()

    def log_path(self, name: str) -> Path:
        return Path("/var/log") / f"{name}.log"


@pytest.fixture(autouse=True)
def keep_handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def test_a_process_that_exits_stops_everything(capsys: pytest.CaptureFixture[str]) -> None:
    system = Fake([sys.executable, "-c", "raise SystemExit(3)"])
    code = run_until_signal(system, "lexseal", starting="starting …", banner=lambda: "UP")
    out, err = capsys.readouterr()
    assert code == 1 and system.calls == ["start", "ready", "stop"]
    assert "lexseal: starting …" in out and "UP" in out and "lexseal: stopped." in out
    assert "lexseal: svc exited (3); see /var/log/svc.log" in err


def test_a_failed_start_says_why_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    system = Fake(fail="RabbitMQ is not installed")
    code = run_until_signal(system, "lexseal cluster", starting="…", banner=lambda: "UP")
    _, err = capsys.readouterr()
    assert code == 1 and system.calls == ["start", "stop"]
    assert "lexseal cluster: RabbitMQ is not installed" in err


def test_ctrl_c_stops_a_healthy_system(capsys: pytest.CaptureFixture[str]) -> None:
    system = Fake([sys.executable, "-c", "import time; time.sleep(60)"])

    def banner() -> str:
        signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C once it is up
        return "UP"

    code = run_until_signal(system, "lexseal", starting="…", banner=banner)
    assert code == 0 and system.calls == ["start", "ready", "stop"]
    assert system.processes["svc"].returncode is not None
    assert "lexseal: stopped." in capsys.readouterr().out
