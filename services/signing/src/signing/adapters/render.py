"""Page images (pdftoppm) and invitation QR codes (PNG, SVG)."""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

import qrcode
import qrcode.image.svg

from .errors import PdfError


async def page_png(pdf_bytes: bytes, *, page: int, dpi: int = 96) -> bytes:
    """Render one 1-based page as a viewer shows it (CropBox, /Rotate) with poppler's pdftoppm.

    pdftoppm renders the MediaBox unless told `-cropbox`; viewers show the CropBox, and so does
    every page image, in the frame of the API's placement coordinates.
    """
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf_bytes)
        proc = await asyncio.create_subprocess_exec(
            "pdftoppm",
            "-png",
            "-cropbox",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(src),
            str(Path(tmp) / "out"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        out = Path(tmp) / "out.png"
        if proc.returncode != 0 or not out.exists():
            raise PdfError(
                f"page {page} cannot be rendered: {err.decode(errors='replace')[:200]}",
                code="page_out_of_range",
            )
        return out.read_bytes()


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
