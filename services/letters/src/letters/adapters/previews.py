"""Page images of a PDF (pdftoppm) and QR code images (qrcode)."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace

import qrcode
from qrcode.image.pil import PilImage
from servicekit.domain import DomainError
from servicekit.pdflimits import PDF_LIMITS, PdfLimitExceeded, run_bounded

MIN_DPI, MAX_DPI = 36, PDF_LIMITS.max_dpi


class PreviewUnavailable(DomainError):
    """pdftoppm is missing, failed, or took too long to render the page (503; the reason is
    logged, never shown)."""

    status_code = 503
    code = "preview_unavailable"
    message_zh = "暂时无法生成页面图片"
    message_en = "Page images are unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


async def page_png(
    pdf: bytes, *, page: int, dpi: int, timeout_s: float = PDF_LIMITS.timeout_s
) -> bytes:
    """Render one page (1-based) of `pdf` as a PNG with pdftoppm, under the shared PDF limits."""
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise PreviewUnavailable(f"dpi must be between {MIN_DPI} and {MAX_DPI}")
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewUnavailable("pdftoppm is not installed (Debian: poppler-utils)")
    # the PDF on stdin; without an output root the PNG goes to stdout
    argv = [tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-"]
    try:
        code, out, err = await run_bounded(
            argv, stdin=pdf, limits=replace(PDF_LIMITS, timeout_s=timeout_s)
        )
    except PdfLimitExceeded:
        raise PreviewUnavailable(f"pdftoppm took longer than {timeout_s} s") from None
    if code != 0 or not out:
        raise PreviewUnavailable(f"pdftoppm failed: {err.decode(errors='replace')[:200]}")
    return out


def qr_png(data: str) -> bytes:
    """Return a PNG QR code that encodes `data`."""
    img = qrcode.make(data, image_factory=PilImage, box_size=8, border=2)
    buffer = io.BytesIO()
    img.save(buffer)
    return buffer.getvalue()
