"""What the page images (and so viewers) show: the QR bottom right, a seal upright where placed.

Every page is rendered as the API's page images are (poppler, CropBox, /Rotate applied) and
measured in pixels, independently of the geometry code that placed things.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from conftest import VERIFY_URL, Party
from lexseal_ca.pki import CertificateAuthority
from pades.geometry import overlaps
from pades.pdf import PdfSigningEngine, check_placement, document_geometry, prepare
from pades.testing import (
    colour_box,
    ink_box,
    make_blank_pdf,
    make_contract_pdf,
    make_marker_png,
    reshape,
    run,
)
from pades.verify import verify_pdf
from PIL import Image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader
from servicekit.testing import need_tools
from signing.adapters.render import page_png

SHIFTED = (100.0, 200.0, 695.2756, 1041.8898)
CROP = (150.0, 250.0, 600.0, 900.0)  # 450 x 650 pt, off every edge of SHIFTED
NEGATIVE = (-300.0, -400.0, 295.2756, 441.8898)
NEGATIVE_CROP = (-250.0, -350.0, 200.0, 300.0)

PAGES: dict[str, dict[str, Any]] = {
    "rotate-0": {},
    "rotate-90": {"rotate": 90},
    "rotate-180": {"rotate": 180},
    "rotate-270": {"rotate": 270},
    "cropped": {"mediabox": SHIFTED, "cropbox": CROP},
    "cropped-rotate-90": {"mediabox": SHIFTED, "cropbox": CROP, "rotate": 90},
    "negative-cropped-rotate-270": {"mediabox": NEGATIVE, "cropbox": NEGATIVE_CROP, "rotate": 270},
}


def _render(pdf: bytes, *, dpi: int) -> Image.Image:
    need_tools("pdftoppm")
    return Image.open(io.BytesIO(asyncio.run(page_png(pdf, page=1, dpi=dpi)))).convert("RGB")


@pytest.mark.parametrize("shape", PAGES.values(), ids=PAGES.keys())
def test_the_qr_is_in_the_bottom_right_corner_of_the_page_as_shown_and_decodes(
    shape: dict[str, Any], tmp_path: Path
) -> None:
    need_tools("zbarimg")
    pdf = prepare(reshape(make_blank_pdf(), **shape), VERIFY_URL)
    page = document_geometry(pdf)[0]
    image = _render(pdf, dpi=150)
    scale = 150 / 72  # pixels per point

    # the image is the visible page: what the API reports as its size
    assert image.size == pytest.approx((page.width * scale, page.height * scale), abs=1.5)
    ink = ink_box(image)  # a blank page: the QR and its caption are the only ink
    assert ink is not None
    left, top, right, bottom = (v / scale for v in ink)
    width, height = image.width / scale, image.height / scale
    # 14 pt in from the right and the bottom edges (plus at most the QR's quiet zone), 66 pt wide
    assert 14 - 0.5 <= width - right <= 20 and 14 - 0.5 <= height - bottom <= 20
    assert 55 <= right - left <= 66.5 and 60 <= bottom - top <= 75.5
    # and inside the no-seal box the API reports, read as a page image
    qx1, qy1, qx2, qy2 = page.qr_box
    assert qx1 - 0.5 <= left and right <= qx2 + 0.5
    assert height - qy2 - 0.5 <= top and bottom <= height - qy1 + 0.5
    (tmp_path / "page.png").write_bytes(asyncio.run(page_png(pdf, page=1, dpi=150)))
    assert run("zbarimg", "--raw", "-q", tmp_path / "page.png").stdout.strip() == VERIFY_URL


def test_the_page_image_shows_an_earlier_envelope_s_qr_where_the_api_says() -> None:
    # stamped by the earlier rule (bottom right of the unturned MediaBox), then shown turned
    legacy = reshape(prepare(make_blank_pdf(), VERIFY_URL), rotate=90)
    page = document_geometry(legacy, legacy=True)[0]
    image = _render(legacy, dpi=72)
    ink = ink_box(image)

    assert ink is not None
    qx1, qy1, qx2, qy2 = page.qr_box  # the shown bottom left: the API warns seals off it
    assert qx1 - 1 <= ink[0] and ink[2] <= qx2 + 1
    assert page.height - qy2 - 1 <= ink[1] and ink[3] <= page.height - qy1 + 1


@pytest.fixture(scope="module")
def marker() -> bytes:
    return make_marker_png()


@pytest.mark.parametrize("shape", PAGES.values(), ids=PAGES.keys())
def test_a_seal_placed_in_the_shown_bottom_left_corner_is_drawn_there_upright(
    shape: dict[str, Any],
    marker: bytes,
    parties: list[Party],
    engine: PdfSigningEngine,
    ca: CertificateAuthority,
) -> None:
    pdf = prepare(reshape(make_contract_pdf(pages=1), **shape), VERIFY_URL)
    page = document_geometry(pdf)[0]
    signed = engine.sign(
        pdf,
        signer=engine.signer_for(parties[0].credential),
        field_name="seal",
        page=0,
        box=(0, 0, 120, 60),  # the marker is 2:1, so it fills the box
        seal_png=marker,
    )

    image = _render(signed, dpi=72)  # one pixel per point
    seal, blue = colour_box(image, "red"), colour_box(image, "blue")
    assert seal is not None and blue is not None
    left, top, right, bottom = seal[0], min(seal[1], blue[1]), seal[2], seal[3]
    # in the bottom-left corner, as wide and as high as placed: not turned on its side
    assert left <= 1 and bottom >= image.height - 1
    assert right - left == pytest.approx(120, abs=2) and bottom - top == pytest.approx(60, abs=2)
    # the blue quarter is top left: upright, not upside down or mirrored
    assert blue[0] <= left + 1 and blue[1] <= top + 1
    assert blue[2] == pytest.approx(left + 60, abs=2) and blue[3] == pytest.approx(top + 30, abs=2)
    # the widget's /Rect is the box the check passed, clear of the QR; the signature holds
    annot = PdfReader(io.BytesIO(signed)).pages[0]["/Annots"][-1].get_object()
    rect = tuple(float(v) for v in annot["/Rect"])
    assert rect == page.to_pdf((0, 0, 120, 60)) and not overlaps(rect, page.qr)
    assert verify_pdf(signed, [ca.root_pem()]).valid


def test_the_drawn_rect_is_exactly_the_checked_one(
    parties: list[Party], engine: PdfSigningEngine
) -> None:
    # the QR's left edge at 515.61: a seal touching it used to be rounded to 516 when drawn
    pdf = prepare(reshape(make_contract_pdf(pages=1), mediabox=(0, 0, 595.61, 841)), VERIFY_URL)
    page = document_geometry(pdf)[0]
    qx1, qy1 = page.qr_box[:2]
    box = (qx1 - 80.4, qy1 + 0.3, qx1, qy1 + 80.3)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    checked = check_placement(writer, page=0, box=box, field_name="seal")

    signed = engine.sign(
        pdf,
        signer=engine.signer_for(parties[0].credential),
        field_name="seal",
        page=0,
        box=box,
        seal_png=parties[0].seal_png,
    )
    annot = PdfReader(io.BytesIO(signed)).pages[0]["/Annots"][-1].get_object()
    rect = tuple(float(v) for v in annot["/Rect"])

    assert rect == checked.rect == (435.21, 14.3, 515.61, 94.3)
    assert rect[2] == page.qr[0]  # touching the QR, not over it
