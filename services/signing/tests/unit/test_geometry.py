"""Page geometry: what the API reports is where the QR is stamped and what placement checks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import VERIFY_URL
from factories import make_blank_pdf, make_contract_pdf, reshape
from PIL import Image, ImageOps
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from signing.adapters.errors import PlacementError
from signing.adapters.pdf import check_placement, document_geometry, prepare
from signing.domain.geometry import Box, PageGeometry

from tools import need, run

A4 = (0.0, 0.0, 595.2756, 841.8898)
SHIFTED = (100.0, 200.0, 695.2756, 1041.8898)  # A4 with its origin away from (0, 0)


def _page(pdf: bytes, number: int = 1) -> PageGeometry:
    return document_geometry(pdf)[number - 1]


def test_an_a4_page_reports_its_size_and_the_qr_box(prepared_pdf: bytes) -> None:
    pages = document_geometry(prepared_pdf)

    assert [p.number for p in pages] == [1, 2, 3]
    page = pages[0]
    assert (page.width, page.height, page.rotate) == pytest.approx((595.2756, 841.8898, 0))
    assert page.box == pytest.approx(A4)
    # 66 pt of QR plus a 9 pt caption, 14 pt in from the bottom-right corner
    assert page.qr_box == pytest.approx((515.2756, 14.0, 581.2756, 89.0))


@pytest.mark.parametrize(
    ("rotate", "on_tree", "expected"),
    [(90, False, 90), (180, False, 180), (270, True, 270), (-90, False, 270), (450, True, 90)],
)
def test_a_rotated_page_is_shown_turned_and_placed_in_its_own_frame(
    rotate: int, on_tree: bool, expected: int
) -> None:
    page = _page(prepare(reshape(make_contract_pdf(pages=1), rotate=rotate, on_tree=on_tree), ""))

    assert page.rotate == expected
    shown = (841.8898, 595.2756) if expected in (90, 270) else (595.2756, 841.8898)
    assert (page.width, page.height) == pytest.approx(shown)
    # placement (and the QR stamp) stay in the unturned page: the same boxes as unrotated
    assert page.box == pytest.approx(A4)
    assert page.qr_box == pytest.approx((515.2756, 14.0, 581.2756, 89.0))


def test_a_mediabox_away_from_the_origin_moves_the_page_and_its_qr_box() -> None:
    page = _page(prepare(reshape(make_contract_pdf(pages=1), mediabox=SHIFTED), VERIFY_URL))

    assert page.box == pytest.approx(SHIFTED)
    assert (page.width, page.height) == pytest.approx((595.2756, 841.8898))
    assert page.qr_box == pytest.approx((615.2756, 214.0, 681.2756, 289.0))


def test_a_cropbox_does_not_change_the_frame_placement_uses() -> None:
    # Page images (pdftoppm) show the MediaBox and placement checks it, so the CropBox is not
    # reported as the page: the API describes what the signer sees and what the server accepts.
    pdf = reshape(make_contract_pdf(pages=1), mediabox=SHIFTED, cropbox=(150, 250, 600, 900))

    assert _page(prepare(pdf, VERIFY_URL)).box == pytest.approx(SHIFTED)


def _image_rect(page: PageGeometry, box: Box) -> Box:
    """Map a placement box onto the page image (points, top-left origin) as the web client does."""
    x0, y0, x1, y1 = page.box
    w, h = x1 - x0, y1 - y0

    def point(x: float, y: float) -> tuple[float, float]:
        s, t = (x - x0) / w, (y - y0) / h
        u, v = {90: (t, s), 180: (1 - s, t), 270: (1 - t, 1 - s)}.get(page.rotate, (s, 1 - t))
        return u * page.width, v * page.height

    (u1, v1), (u2, v2) = point(box[0], box[1]), point(box[2], box[3])
    return (min(u1, u2), min(v1, v2), max(u1, u2), max(v1, v2))


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("mediabox", [A4, SHIFTED])
def test_the_qr_box_is_where_the_page_image_shows_the_qr(
    rotate: int, mediabox: Box, tmp_path: Path
) -> None:
    need("pdftoppm")
    pdf = prepare(reshape(make_blank_pdf(), rotate=rotate, mediabox=mediabox), VERIFY_URL)
    page = _page(pdf)
    (tmp_path / "p.pdf").write_bytes(pdf)

    # 72 dpi: one pixel per point, the page turned as every viewer (and the page images) turn it
    run("pdftoppm", "-png", "-r", "72", "-singlefile", tmp_path / "p.pdf", tmp_path / "p")
    image = Image.open(tmp_path / "p.png").convert("L")
    ink = ImageOps.invert(image).point(lambda v: 255 if v > 64 else 0).getbbox()

    assert image.size == pytest.approx((page.width, page.height), abs=1)
    assert ink is not None
    left, top, right, bottom = _image_rect(page, page.qr_box)
    # all the ink is the QR (quiet zone and caption margins aside), inside the reported box
    assert left - 1 <= ink[0] and top - 1 <= ink[1] and ink[2] <= right + 1 and ink[3] <= bottom + 1
    assert (ink[2] - ink[0]) * (ink[3] - ink[1]) > 0.75 * (right - left) * (bottom - top)


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def _beside(qr: Box, *, into: float) -> list[Box]:
    """Return seal boxes touching the QR box's left and top edges, pushed `into` it."""
    qx1, qy1, _, qy2 = qr
    return [
        (qx1 - 80 + into, qy1, qx1 + into, qy1 + 80),  # to the left
        (qx1, qy2 - into, qx1 + 60, qy2 + 60 - into),  # above
    ]


@pytest.mark.parametrize(
    "pdf",
    [
        make_contract_pdf(pages=2),
        reshape(make_contract_pdf(pages=2), rotate=90),
        reshape(make_contract_pdf(pages=2), mediabox=SHIFTED, cropbox=(150, 250, 600, 900)),
        reshape(make_contract_pdf(pages=2), rotate=270, mediabox=SHIFTED, on_tree=True),
    ],
    ids=["a4", "rotated", "shifted-and-cropped", "inherited"],
)
def test_a_seal_may_touch_the_reported_qr_box_but_not_overlap_it_by_one_point(pdf: bytes) -> None:
    prepared = prepare(pdf, VERIFY_URL)
    page = _page(prepared, 2)

    for box in _beside(page.qr_box, into=0):
        checked = check_placement(_writer(prepared), page=1, box=box, field_name="x")
        assert checked == page  # the check runs on exactly the geometry the API reports
    for box in _beside(page.qr_box, into=1):
        with pytest.raises(PlacementError) as err:
            check_placement(_writer(prepared), page=1, box=box, field_name="x")
        assert err.value.code == "box_covers_qr"


def test_a_seal_must_stay_inside_the_reported_box() -> None:
    prepared = prepare(reshape(make_contract_pdf(pages=1), mediabox=SHIFTED), VERIFY_URL)
    x0, y0, x1, y1 = _page(prepared).box

    check_placement(_writer(prepared), page=0, box=(x0, y1 - 80, x0 + 80, y1), field_name="x")
    for box in [(x0 - 1, y0 + 100, x0 + 79, y0 + 180), (x1 - 79, y1 - 79, x1 + 1, y1 + 1)]:
        with pytest.raises(PlacementError) as err:
            check_placement(_writer(prepared), page=0, box=box, field_name="x")
        assert err.value.code == "box_outside_page"


def test_the_stored_form_round_trips() -> None:
    page = PageGeometry(number=3, box=SHIFTED, rotate=270)

    assert PageGeometry.from_json(page.to_json()) == page
    assert PageGeometry.from_json({"number": 1, "box": [10, 20, 0, 0], "rotate": 45}) == (
        PageGeometry(number=1, box=(0, 0, 10, 20), rotate=0)
    )
