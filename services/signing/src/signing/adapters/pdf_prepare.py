"""The one rewrite before any signature: stamp the verification QR code on every page."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .errors import PdfError
from .seals import DEFAULT_FONT, load_font

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points

QR_SIZE = 66.0  # points: decodes at 150 dpi, small enough not to crowd the page
CAPTION_HEIGHT = 9.0
QR_MARGIN = 14.0
QR_CAPTION = "扫码验签"
_DPI = 300


def qr_box(mediabox: Box) -> Box:
    """Return the area the verification QR (with caption) occupies on a page."""
    _, y0, x1, _ = mediabox
    return (
        x1 - QR_MARGIN - QR_SIZE,
        y0 + QR_MARGIN,
        x1 - QR_MARGIN,
        y0 + QR_MARGIN + QR_SIZE + CAPTION_HEIGHT,
    )


def _reader(pdf_bytes: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes), strict=False)
        if reader.is_encrypted:
            raise PdfError("encrypted PDFs cannot be signed", code="pdf_encrypted")
        if len(reader.pages) == 0:
            raise PdfError("the PDF has no pages", code="pdf_empty")
        return reader
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise PdfError(f"not a readable PDF: {exc}", code="not_a_pdf") from exc


def page_boxes(pdf_bytes: bytes) -> list[Box]:
    """Return each page's mediabox, for placement checks in the UI and service."""
    return [_as_box(page.mediabox) for page in _reader(pdf_bytes).pages]


def _as_box(rect: object) -> Box:
    left, bottom, right, top = (float(v) for v in rect)  # type: ignore[attr-defined]
    return (min(left, right), min(bottom, top), max(left, right), max(bottom, top))


def qr_image(verify_url: str, *, font_path: Path = DEFAULT_FONT) -> Image.Image:
    """Render the QR code with its caption beneath, on opaque white, at 300 dpi."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(verify_url)
    code.make(fit=True)
    matrix = code.get_matrix()
    target = round(QR_SIZE / 72 * _DPI)
    module = max(2, target // len(matrix))
    side = module * len(matrix)
    caption_px = round(side * CAPTION_HEIGHT / QR_SIZE)
    image = Image.new("L", (side, side + caption_px), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle(
                    (x * module, y * module, (x + 1) * module - 1, (y + 1) * module - 1), fill=0
                )
    font = load_font(str(font_path), round(caption_px * 0.85))
    draw.text((side / 2, side + caption_px / 2), QR_CAPTION, font=font, fill=0, anchor="mm")
    return image


def _overlay(width: float, height: float, image: Image.Image) -> PdfReader:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    x1, y1, x2, y2 = qr_box((0.0, 0.0, width, height))
    canvas.drawImage(ImageReader(image), x1, y1, width=x2 - x1, height=y2 - y1)
    canvas.showPage()
    canvas.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def _has_signatures(reader: PdfReader) -> bool:
    fields = reader.get_fields() or {}
    return any(f.get("/FT") == "/Sig" and f.get("/V") is not None for f in fields.values())


def prepare(pdf_bytes: bytes, verify_url: str, *, font_path: Path = DEFAULT_FONT) -> bytes:
    """Stamp the verification QR at the bottom right of every page and return the new PDF."""
    reader = _reader(pdf_bytes)
    # Rewriting a signed file would break its signatures: refuse instead.
    if _has_signatures(reader):
        raise PdfError("the PDF already carries signatures", code="pdf_already_signed")
    image = qr_image(verify_url, font_path=font_path)
    overlays: dict[tuple[float, float], PdfReader] = {}
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        x0, y0, x1, y1 = _as_box(page.mediabox)
        key = (x1 - x0, y1 - y0)
        if key not in overlays:
            overlays[key] = _overlay(*key, image)
        page.merge_transformed_page(overlays[key].pages[0], Transformation().translate(x0, y0))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
