"""Helpers that drive the external validators (poppler, qpdf, zbar, pyHanko CLI)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PYHANKO_CLI = Path("/work/main/.venv/bin/pyhanko")


def need(*tools: str) -> None:
    """Skip the calling test when a command-line tool is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing tools: {', '.join(missing)}")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command and capture its text output."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False
    )


def decode_qr_codes(pdf: Path, out_dir: Path) -> list[str]:
    """Render each page at 150 dpi and return what zbar decodes, page by page."""
    run("pdftoppm", "-r", "150", "-png", pdf, out_dir / "page")
    results = []
    for png in sorted(out_dir.glob("page*.png")):
        results.append(run("zbarimg", "--raw", "-q", png).stdout.strip())
    return results


def nss_db_trusting(root_pem: Path, directory: Path) -> Path:
    """Create an NSS database that trusts ``root_pem`` for signatures (pdfsig)."""
    directory.mkdir(parents=True, exist_ok=True)
    run("certutil", "-N", "-d", f"sql:{directory}", "--empty-password")
    result = run(
        "certutil",
        "-A",
        "-d",
        f"sql:{directory}",
        "-n",
        "lexseal-root",
        "-t",
        ",C,",
        "-i",
        root_pem,
    )
    assert result.returncode == 0, result.stderr
    return directory
