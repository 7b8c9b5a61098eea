"""Page images of a PDF (pdftoppm) and QR code images (qrcode)."""

from __future__ import annotations

import asyncio
import io
import shutil

import qrcode
from qrcode.image.pil import PilImage


class PreviewUnavailable(RuntimeError):
    """pdftoppm is missing or failed to render the page."""


async def page_png(pdf: bytes, *, page: int, dpi: int) -> bytes:
    """Render one page (1-based) of `pdf` as a PNG with pdftoppm."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewUnavailable("pdftoppm is not installed (Debian: poppler-utils)")
    proc = await asyncio.create_subprocess_exec(
        tool,
        "-png",
        "-r",
        str(dpi),
        "-f",
        str(page),
        "-l",
        str(page),
        "-singlefile",
        "-",  # the PDF on stdin; without an output root the PNG goes to stdout
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(pdf)
    if proc.returncode != 0 or not out:
        raise PreviewUnavailable(f"pdftoppm failed: {err.decode(errors='replace')[:200]}")
    return out


def qr_png(data: str) -> bytes:
    """Return a PNG QR code that encodes `data`."""
    img = qrcode.make(data, image_factory=PilImage, box_size=8, border=2)
    buffer = io.BytesIO()
    img.save(buffer)
    return buffer.getvalue()
