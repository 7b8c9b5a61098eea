"""Run the external validators (pyHanko CLI, openssl) the CA's tests check its answers with."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from servicekit.testing import missing_tool

PYHANKO_CLI = Path(sys.executable).with_name("pyhanko")  # the CLI of the venv running the tests


def need(*tools: str) -> None:
    """Skip the calling test when a command-line tool is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        missing_tool(f"missing tools: {', '.join(missing)}")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command and capture its text output."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False
    )
