"""Plain factory functions for test documents."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject, RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def make_contract_pdf(*, pages: int = 3, title: str = "Service Agreement") -> bytes:
    """Build an unsigned A4 contract with a few pages of text."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    _, height = A4
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica-Bold", 16)
        canvas.drawString(72, height - 72, f"{title} - page {number}")
        canvas.setFont("Helvetica", 11)
        for line in range(30):
            canvas.drawString(
                72,
                height - 110 - 18 * line,
                f"Clause {number}.{line + 1}: the parties agree to term {line}.",
            )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def make_blank_pdf(*, pages: int = 1) -> bytes:
    """Build A4 pages with no ink at all (so the QR is the only thing a render shows)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for _ in range(pages):
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def reshape(
    pdf: bytes,
    *,
    rotate: int | None = None,
    mediabox: tuple[float, float, float, float] | None = None,
    cropbox: tuple[float, float, float, float] | None = None,
    on_tree: bool = False,
) -> bytes:
    """Return the PDF with every page turned / resized; `on_tree` puts them on /Pages instead."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    tree = writer.root_object["/Pages"]
    for key, value in (("/Rotate", rotate), ("/MediaBox", mediabox), ("/CropBox", cropbox)):
        if value is None:
            continue
        obj = NumberObject(value) if isinstance(value, int) else RectangleObject(value)
        for page in writer.pages:
            if on_tree:
                page.pop(NameObject(key), None)
            else:
                page[NameObject(key)] = obj
        if on_tree:
            tree[NameObject(key)] = obj
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_marker_png(*, width: int = 240, height: int = 120) -> bytes:
    """Build a seal image whose orientation shows: red, with its top-left quarter blue."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 0, 0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height // 2 - 1), fill=(0, 0, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
