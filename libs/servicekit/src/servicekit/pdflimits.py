"""The one set of limits every PDF parse or render runs under (contract, signing, letters).

PDFs come from outside (uploads, the public verify page) and the tools that read them are
large parsers: each run gets a wall-clock timeout, an address-space cap and a CPU cap, and a
page larger than any paper a firm prints is refused before it is rendered.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import subprocess
from contextlib import suppress
from dataclasses import dataclass


@dataclass(frozen=True)
class PdfLimits:
    """Time, memory and page-size limits of one PDF parse or render."""

    timeout_s: float = 20.0
    cpu_s: int = 20
    memory_bytes: int = 1024 * 1024 * 1024
    # 2A0's long side is 3,370 pt; nothing a firm signs or mails comes near 5,080 pt (70.6 in)
    max_page_side_pt: float = 5080.0
    max_user_unit: float = 1.0
    max_dpi: int = 300


PDF_LIMITS = PdfLimits()


class PdfLimitExceeded(Exception):
    """A parse or render ran out of time or memory, or a page is larger than allowed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def page_too_large(
    width_pt: float, height_pt: float, user_unit: float = 1.0, *, limits: PdfLimits = PDF_LIMITS
) -> bool:
    """Tell whether a page box (in default units, scaled by /UserUnit) is beyond the limits."""
    sides = (abs(width_pt), abs(height_pt), user_unit)
    if any(side != side or side in (float("inf"), float("-inf")) for side in sides):
        return True  # NaN or infinite
    if not 0 < user_unit <= limits.max_user_unit:
        return True
    return max(abs(width_pt), abs(height_pt)) * user_unit > limits.max_page_side_pt


def bounded_command(argv: list[str], *, limits: PdfLimits = PDF_LIMITS) -> list[str]:
    """Return `argv` started under prlimit's address-space and CPU caps (util-linux)."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise PdfLimitExceeded("prlimit (util-linux) is not installed")
    # prlimit sets the limits then execs the tool: no preexec_fn, which is unsafe in threads
    return [prlimit, f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_s}", "--", *argv]


async def run_bounded(
    argv: list[str], *, stdin: bytes | None = None, limits: PdfLimits = PDF_LIMITS
) -> tuple[int, bytes, bytes]:
    """Run a PDF tool under the limits; return (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        *bounded_command(argv, limits=limits),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), limits.timeout_s)
    except TimeoutError:
        raise PdfLimitExceeded("timeout") from None
    finally:
        if proc.returncode is None:  # timed out, or the caller went away while it ran
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out, err


def run_bounded_sync(argv: list[str], *, limits: PdfLimits = PDF_LIMITS) -> tuple[int, bytes]:
    """Run a PDF tool under the limits from synchronous code; return (exit code, stderr)."""
    try:
        done = subprocess.run(
            bounded_command(argv, limits=limits),
            check=False,
            capture_output=True,
            timeout=limits.timeout_s,
        )
    except subprocess.TimeoutExpired as exc:
        raise PdfLimitExceeded("timeout") from exc
    return done.returncode, done.stderr


def limit_this_process(limits: PdfLimits = PDF_LIMITS) -> None:
    """Cap this (child) process's address space and CPU time, for in-process parsers."""
    wanted = ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_s))
    for limit, value in wanted:
        _soft, hard = resource.getrlimit(limit)
        capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
        with suppress(ValueError, OSError):  # the parent's timeout is the backstop
            resource.setrlimit(limit, (capped, hard))
