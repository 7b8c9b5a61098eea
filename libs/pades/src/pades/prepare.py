"""The one rewrite before any signature: stamp the verification QR code on every page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import qrcode
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from .errors import PdfError
from .geometry import (
    CAPTION_HEIGHT,
    QR_SIZE,
    Box,
    PageGeometry,
    normal_box,
    normal_rotate,
    qr_box,
)
from .seals import DEFAULT_FONT, load_font

QR_CAPTION = "扫码验签"
_DPI = 300


def _reader(pdf_bytes: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes), strict=False)
        if reader.is_encrypted:
            raise PdfError("encrypted PDFs cannot be signed", code="pdf_encrypted")
        if len(reader.pages) == 0:
            raise PdfError("the PDF has no pages", code="pdf_empty")
        return reader
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise PdfError("not a readable PDF", code="not_a_pdf") from exc


def _resolved(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _inherited(page: Any, key: str) -> Any:
    # /MediaBox, /CropBox and /Rotate may sit on any ancestor in the page tree (PDF 32000-1,
    # 7.7.3.4).
    node = page
    for _ in range(64):  # a cyclic /Parent chain must not hang the service
        if node is None:
            return None
        if key in node:
            return _resolved(node[key])
        node = _resolved(node.get("/Parent"))
    return None


def _box(page: Any, key: str, *, number: int) -> Box | None:
    value = _inherited(page, key)
    if value is None:
        return None
    try:
        return normal_box([float(_resolved(v)) for v in value])
    except (TypeError, ValueError) as exc:
        raise PdfError(f"page {number} has a broken {key[1:]}", code="pdf_invalid") from exc


def page_geometry(page: Any, *, number: int, legacy: bool = False) -> PageGeometry:
    """Return a page's geometry from its dictionary (pypdf's or pyHanko's).

    `legacy` describes a page whose QR was stamped before it followed /Rotate and the CropBox.
    """
    mediabox = _box(page, "/MediaBox", number=number)
    if mediabox is None:
        raise PdfError("page without a MediaBox", code="pdf_invalid")
    cropbox = _box(page, "/CropBox", number=number)
    rotate = normal_rotate(_inherited(page, "/Rotate"))
    make = PageGeometry.legacy if legacy else PageGeometry.of
    return make(number=number, mediabox=mediabox, cropbox=cropbox, rotate=rotate)


def document_geometry(pdf_bytes: bytes, *, legacy: bool = False) -> list[PageGeometry]:
    """Return every page's geometry, for placement in the UI; computed once per envelope."""
    pages = _reader(pdf_bytes).pages
    return [page_geometry(p, number=n, legacy=legacy) for n, p in enumerate(pages, start=1)]


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
    # Drawn upright in placement coordinates; `prepare` turns it into the page's user space.
    # Written by hand, not with a reportlab canvas: every canvas page selects Helvetica, which
    # would land unembedded in each page's resources (PDF/A wants every font embedded).
    writer = PdfWriter()
    page = writer.add_blank_page(width, height)
    gray = image.convert("L")
    xobject = DecodedStreamObject()
    xobject.set_data(gray.tobytes())
    xobject.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(gray.width),
            NameObject("/Height"): NumberObject(gray.height),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    x1, y1, x2, y2 = qr_box(width, height)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/LexsealQR"): writer._add_object(xobject.flate_encode())}
            )
        }
    )
    content = DecodedStreamObject()
    content.set_data(
        f"q {x2 - x1:.4f} 0 0 {y2 - y1:.4f} {x1:.4f} {y1:.4f} cm /LexsealQR Do Q".encode()
    )
    page.replace_contents(content.flate_encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    return PdfReader(buffer)


def _has_signatures(reader: PdfReader) -> bool:
    fields = reader.get_fields() or {}
    return any(f.get("/FT") == "/Sig" and f.get("/V") is not None for f in fields.values())


def prepare(pdf_bytes: bytes, verify_url: str, *, font_path: Path = DEFAULT_FONT) -> bytes:
    """Stamp the verification QR at the shown bottom right of every page; return the new PDF."""
    reader = _reader(pdf_bytes)
    # Rewriting a signed file would break its signatures: refuse instead.
    if _has_signatures(reader):
        raise PdfError("the PDF already carries signatures", code="pdf_already_signed")
    image = qr_image(verify_url, font_path=font_path)
    overlays: dict[tuple[float, float], PdfReader] = {}
    writer = PdfWriter(clone_from=reader)
    # pypdf writes %PDF-1.3 unless told: keep the version the document declares (PDF/A-2: 1.7)
    writer.pdf_header = reader.pdf_header.encode()
    for number, page in enumerate(writer.pages, start=1):
        # The overlay is the page as shown, QR at its bottom right; the page's own matrix turns
        # and moves it onto the visible box, so the QR lands exactly on PageGeometry.qr (the area
        # placement keeps seals out of) and reads upright whatever /Rotate says.
        geometry = page_geometry(page, number=number)
        key = (geometry.width, geometry.height)
        if key not in overlays:
            overlays[key] = _overlay(*key, image)
        page.merge_transformed_page(overlays[key].pages[0], Transformation(ctm=geometry.matrix))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
