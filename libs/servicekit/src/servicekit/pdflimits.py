"""The one set of limits every PDF parse or render runs under (contract, signing, letters).

PDFs come from outside (uploads, the public verify page) and the tools that read them are
large parsers: each run gets a wall-clock timeout, an address-space cap and a CPU cap, and a
page larger than any paper a firm prints is refused before it is rendered.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import resource
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from pypdf import PdfReader  # imported once by the fork server, so each child starts warm

T = TypeVar("T")
log = logging.getLogger("servicekit.pdflimits")


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


# ---- parsing in a bounded child process -------------------------------------------------
#
# In-process parsers (pypdf, pyHanko) cannot be bounded from outside a thread, so every parse
# of bytes that came from outside runs in a child: an address-space cap, a CPU cap and a
# wall-clock timeout, and a hostile PDF costs one killed child, never the service. Children
# come from a fork server (never a fork of the service itself, which has threads, sockets
# and an event loop); like all multiprocessing code, the program's main module must be
# import-safe (`if __name__ == "__main__":`), as uvicorn's and pytest's are.

# A child that ends by one of these signals, or whose status the fork server could no longer
# report (exit code 255: the service is shutting down), was ended from outside: not the PDF.
_OUTSIDE_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGKILL, signal.SIGHUP})
_LOST_EXIT_CODE = 255
_START_LOCK = threading.Lock()
_PRELOAD: set[str] = {__name__}
_LIMIT_REASONS = frozenset({"memory_limit", "nesting_limit", "timeout", "page_too_large"})
_context_lock = threading.Lock()
_context_made: list[Any] = []


class PdfWorkerLost(PdfLimitExceeded):
    """The child parsing a PDF was ended from outside (shutdown, a kill) twice in a row.

    Not the PDF's fault: the caller should answer 503 with Retry-After, never "corrupt".
    """

    def __init__(self, exitcode: int | None) -> None:
        super().__init__("worker_lost")
        self.exitcode = exitcode


class PdfWorkerFailed(PdfLimitExceeded):
    """The parser raised, or its child died by itself (a crash the PDF caused)."""

    def __init__(
        self,
        reason: str,
        *,
        error: str | None = None,
        code: str | None = None,
        exitcode: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.error = error  # the exception's class name, never its text
        self.code = code  # the exception's own stable `code` attribute, when it has one
        self.exitcode = exitcode


# The stable error code a caller answers with for each limit a child ran into.
LIMIT_CODES = {
    "timeout": "pdf_timeout",
    "memory_limit": "pdf_too_complex",
    "nesting_limit": "pdf_too_complex",
    "page_too_large": "pdf_page_too_large",
}


def preload(*modules: str) -> None:
    """Have the fork server import `modules` once, so each bounded child starts warm.

    Call at import time of the module whose functions run in children; a call after the
    fork server started only costs each child the import.
    """
    _PRELOAD.update(modules)


def _context() -> Any:
    with _context_lock:
        if not _context_made:
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx: Any = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(sorted(_PRELOAD))
            else:
                ctx = multiprocessing.get_context("spawn")
            _context_made.append(ctx)
        return _context_made[0]


def _child(
    conn: Connection, limits: PdfLimits, target: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    # RLIMIT_CPU also ends the child should the parent die before it can kill it.
    limit_this_process(limits)
    for name in ("pypdf", "pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # broken input is expected here
    message: tuple[Any, ...]
    try:
        message = ("ok", target(*args))
    except MemoryError:
        message = ("fail", "memory_limit", "MemoryError")
    except RecursionError:
        message = ("fail", "nesting_limit", "RecursionError")
    except PdfLimitExceeded as exc:
        message = ("fail", exc.reason, type(exc).__name__)
    except Exception as exc:  # any parser failure on untrusted input
        code = getattr(exc, "code", None)
        message = (
            "fail",
            "parser_error",
            type(exc).__name__,
            code if isinstance(code, str) else None,
        )
    try:
        conn.send(message)
    except Exception as exc:  # an unpicklable result is a bug of the target, said plainly
        conn.send(("fail", "unpicklable_result", type(exc).__name__))
    finally:
        conn.close()


def _run_once(target: Callable[..., T], args: tuple[Any, ...], limits: PdfLimits) -> T:
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, limits, target, args), daemon=True)
    with _START_LOCK:  # Process.start is not documented as thread-safe
        process.start()
    sender.close()  # so a child that dies without answering reads as EOF
    try:
        if not receiver.poll(limits.timeout_s):
            raise PdfLimitExceeded("timeout")
        try:
            message = receiver.recv()
        except EOFError:
            process.join(timeout=1)
            code = process.exitcode
            if code == -signal.SIGXCPU:
                raise PdfLimitExceeded("timeout") from None
            if code == _LOST_EXIT_CODE or (code is not None and -code in _OUTSIDE_SIGNALS):
                raise PdfWorkerLost(code) from None
            raise PdfWorkerFailed("worker_crashed", exitcode=code) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        process.close()
        receiver.close()
    if message[0] == "ok":
        result: T = message[1]
        return result
    if message[1] in _LIMIT_REASONS:
        raise PdfLimitExceeded(message[1])
    raise PdfWorkerFailed(
        message[1], error=message[2], code=message[3] if len(message) > 3 else None
    )


def run_limited(target: Callable[..., T], *args: Any, limits: PdfLimits | None = None) -> T:
    """Run `target(*args)` (a module-level function) in a bounded child; return its result.

    Blocking (call it through `asyncio.to_thread`). Raises PdfLimitExceeded when the child
    ran out of time ("timeout"), memory ("memory_limit") or stack ("nesting_limit");
    PdfWorkerFailed when the parser raised (`error` names the exception class) or the child
    crashed by itself; PdfWorkerLost when the child was ended from outside twice in a row
    (it is retried once: a service restart mid-request is not the PDF's fault).
    `limits` defaults to this module's PDF_LIMITS, read at each call.
    """
    limits = limits or PDF_LIMITS
    try:
        return _run_once(target, args, limits)
    except PdfWorkerLost:
        log.info("a bounded PDF worker was ended from outside; retrying once")
    return _run_once(target, args, limits)


def checked_page_count(data: bytes, limits: PdfLimits | None = None) -> int:
    """Return how many pages `data` has, refusing a page beyond the size limits.

    Parses in this process: run it through `run_limited` for bytes from outside.
    """
    reader = PdfReader(io.BytesIO(data), strict=False)
    for page in reader.pages:
        box = page.mediabox
        unit = page.get("/UserUnit", 1.0)
        if page_too_large(
            float(box.width), float(box.height), float(unit), limits=limits or PDF_LIMITS
        ):
            raise PdfLimitExceeded("page_too_large")
    return len(reader.pages)
