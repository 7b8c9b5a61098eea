"""Page images (pdftoppm) and invitation QR codes (PNG, SVG)."""

from __future__ import annotations

import io
import shutil

import qrcode
import qrcode.image.svg
from servicekit.pdflimits import run_bounded

from .errors import PdfError


async def page_png(pdf_bytes: bytes, *, page: int, dpi: int = 96) -> bytes:
    """Render one 1-based page as a viewer shows it (CropBox, /Rotate) with poppler's pdftoppm.

    pdftoppm renders the MediaBox unless told `-cropbox`; viewers show the CropBox, and so does
    every page image, in the frame of the API's placement coordinates. It runs under the shared
    PDF limits (time, memory, CPU); callers refuse pages beyond them before asking.
    """
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PdfError("pdftoppm (poppler-utils) is not installed", code="page_render_failed")
    argv = [tool, "-png", "-cropbox", "-r", str(dpi), "-f", str(page), "-l", str(page)]
    code, out, err = await run_bounded([*argv, "-singlefile", "-"], stdin=pdf_bytes)
    if code != 0 or not out.startswith(b"\x89PNG"):
        raise PdfError(
            f"page {page} cannot be rendered: {err.decode(errors='replace')[:200]}",
            code="page_render_failed",
        )
    return out


def qr_png(data: str) -> bytes:
    """Return a QR code of `data` as PNG."""
    buf = io.BytesIO()
    qrcode.make(data, box_size=8, border=2).save(buf)
    return buf.getvalue()


def qr_svg(data: str) -> bytes:
    """Return a QR code of `data` as SVG."""
    buf = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(buf)
    return buf.getvalue()
