"""Page images of a PDF (pdftoppm) and QR code images (qrcode)."""

from __future__ import annotations

import asyncio
import io
import shutil

import qrcode
from qrcode.image.pil import PilImage

# pdftoppm is a C parser: cap its address space and its time, as the contract service does.
_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
MIN_DPI, MAX_DPI = 36, 300


class PreviewUnavailable(RuntimeError):
    """pdftoppm is missing, failed, or took too long to render the page."""


def _command(*, page: int, dpi: int) -> list[str]:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewUnavailable("pdftoppm is not installed (Debian: poppler-utils)")
    # the PDF on stdin; without an output root the PNG goes to stdout
    command = [tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-"]
    prlimit = shutil.which("prlimit")
    if prlimit is not None:
        # prlimit sets the limit, then execs pdftoppm.
        command = [prlimit, f"--as={_MEMORY_LIMIT_BYTES}", "--", *command]
    return command


async def page_png(pdf: bytes, *, page: int, dpi: int, timeout_s: float = 20) -> bytes:
    """Render one page (1-based) of `pdf` as a PNG with pdftoppm, within time and memory caps."""
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise PreviewUnavailable(f"dpi must be between {MIN_DPI} and {MAX_DPI}")
    proc = await asyncio.create_subprocess_exec(
        *_command(page=page, dpi=dpi),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(pdf), timeout_s)
    except TimeoutError:
        raise PreviewUnavailable(f"pdftoppm took longer than {timeout_s} s") from None
    finally:
        if proc.returncode is None:  # timed out, or the request went away while it ran
            proc.kill()
            await proc.wait()
    if proc.returncode != 0 or not out:
        raise PreviewUnavailable(f"pdftoppm failed: {err.decode(errors='replace')[:200]}")
    return out


def qr_png(data: str) -> bytes:
    """Return a PNG QR code that encodes `data`."""
    img = qrcode.make(data, image_factory=PilImage, box_size=8, border=2)
    buffer = io.BytesIO()
    img.save(buffer)
    return buffer.getvalue()
