"""Page geometry: what the API reports is where the QR is stamped and what placement checks.

Placement coordinates are the page as a viewer shows it: the CropBox turned by /Rotate, origin at
its bottom-left corner. The PDF's user space (MediaBox, CropBox, /Rect) is the server's business.
"""

from __future__ import annotations

import io

import pytest
from conftest import VERIFY_URL
from pades.errors import PdfError, PlacementError
from pades.geometry import Box, PageGeometry, overlaps
from pades.pdf import check_placement, document_geometry, prepare
from pades.testing import make_contract_pdf, reshape
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

A4 = (0.0, 0.0, 595.2756, 841.8898)
A4_QR = (515.2756, 14.0, 581.2756, 89.0)  # 66 pt of QR plus a 9 pt caption, 14 pt in
SHIFTED = (100.0, 200.0, 695.2756, 1041.8898)  # A4 with its origin away from (0, 0)
CROP = (150.0, 250.0, 600.0, 900.0)  # inside SHIFTED, off every edge: 450 x 650 shown
NEGATIVE = (-300.0, -400.0, 295.2756, 441.8898)  # user space centred on the origin
NEGATIVE_CROP = (-250.0, -350.0, 200.0, 300.0)


def _page(pdf: bytes, number: int = 1) -> PageGeometry:
    return document_geometry(pdf)[number - 1]


def _qr_at(width: float, height: float) -> Box:
    return (width - 80, 14.0, width - 14, 89.0)


def test_an_a4_page_reports_its_size_and_the_qr_box(prepared_pdf: bytes) -> None:
    pages = document_geometry(prepared_pdf)

    assert [p.number for p in pages] == [1, 2, 3]
    page = pages[0]
    assert (page.width, page.height, page.rotate) == pytest.approx((595.2756, 841.8898, 0))
    assert page.box == pytest.approx(A4)
    assert page.qr_box == pytest.approx(A4_QR)
    # an ordinary page: placement coordinates are its user space
    assert page.qr == pytest.approx(A4_QR)


@pytest.mark.parametrize(
    ("rotate", "on_tree", "expected"),
    [(90, False, 90), (180, False, 180), (270, True, 270), (-90, False, 270), (450, True, 90)],
)
def test_a_rotated_page_is_placed_as_shown_with_the_qr_bottom_right(
    rotate: int, on_tree: bool, expected: int
) -> None:
    page = _page(prepare(reshape(make_contract_pdf(pages=1), rotate=rotate, on_tree=on_tree), ""))

    assert page.rotate == expected
    shown = (841.8898, 595.2756) if expected in (90, 270) else (595.2756, 841.8898)
    assert (page.width, page.height) == pytest.approx(shown)
    assert page.box == pytest.approx((0, 0, *shown))
    assert page.qr_box == pytest.approx(_qr_at(*shown))
    # in user space the QR sits in the corner the turn brings to the shown bottom right
    stamped = {
        90: (506.2756, 761.8898, 581.2756, 827.8898),  # unturned top right
        180: (14.0, 752.8898, 80.0, 827.8898),  # unturned top left
        270: (14.0, 14.0, 89.0, 80.0),  # unturned bottom left
    }
    assert page.qr == pytest.approx(stamped[expected])


def test_a_mediabox_away_from_the_origin_is_placed_from_its_own_corner() -> None:
    page = _page(prepare(reshape(make_contract_pdf(pages=1), mediabox=SHIFTED), VERIFY_URL))

    assert page.mediabox == page.cropbox == pytest.approx(SHIFTED)
    assert page.box == pytest.approx(A4)
    assert page.qr_box == pytest.approx(A4_QR)
    assert page.qr == pytest.approx((615.2756, 214.0, 681.2756, 289.0))


@pytest.mark.parametrize(
    ("cropbox", "visible"),
    [
        (CROP, CROP),
        ((50, 150, 600, 900), (100, 200, 600, 900)),  # sticks out: clipped to the MediaBox
        ((0, 0, 50, 50), SHIFTED),  # nothing of it on the MediaBox: viewers show the MediaBox
    ],
    ids=["inside", "clipped", "outside"],
)
def test_the_visible_box_is_the_cropbox_within_the_mediabox(cropbox: Box, visible: Box) -> None:
    pdf = reshape(make_contract_pdf(pages=1), mediabox=SHIFTED, cropbox=cropbox)
    page = _page(prepare(pdf, VERIFY_URL))

    assert page.mediabox == pytest.approx(SHIFTED)
    assert page.cropbox == pytest.approx(visible)
    w, h = visible[2] - visible[0], visible[3] - visible[1]
    assert (page.width, page.height) == pytest.approx((w, h))
    assert page.qr_box == pytest.approx(_qr_at(w, h))
    assert page.qr == pytest.approx(
        (visible[2] - 80, visible[1] + 14, visible[2] - 14, visible[1] + 89)
    )


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_placement_and_user_space_convert_both_ways(rotate: int) -> None:
    page = PageGeometry.of(number=1, mediabox=NEGATIVE, cropbox=NEGATIVE_CROP, rotate=rotate)
    seal = (10.0, 20.0, 130.0, 80.0)

    assert page.to_placement(page.to_pdf(seal)) == pytest.approx(seal)
    assert page.to_pdf(page.box) == pytest.approx(NEGATIVE_CROP)
    # the shown bottom-left point is the visible box's corner that /Rotate turns there
    x0, y0, x1, y1 = NEGATIVE_CROP
    origin = {0: (x0, y0), 90: (x1, y0), 180: (x1, y1), 270: (x0, y1)}[rotate]
    assert page.matrix[4:] == origin


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
        reshape(make_contract_pdf(pages=2), mediabox=SHIFTED, cropbox=CROP),
        reshape(make_contract_pdf(pages=2), rotate=270, mediabox=SHIFTED, on_tree=True),
        reshape(make_contract_pdf(pages=2), rotate=180, mediabox=NEGATIVE, cropbox=NEGATIVE_CROP),
    ],
    ids=["a4", "rotated", "shifted-and-cropped", "inherited", "negative-turned-cropped"],
)
def test_a_seal_may_touch_the_reported_qr_box_but_not_overlap_it_by_one_point(pdf: bytes) -> None:
    prepared = prepare(pdf, VERIFY_URL)
    page = _page(prepared, 2)

    for box in _beside(page.qr_box, into=0):
        checked = check_placement(_writer(prepared), page=1, box=box, field_name="x")
        assert checked.page == page  # the check runs on exactly the geometry the API reports
        assert not overlaps(checked.rect, page.qr)
    for box in _beside(page.qr_box, into=1):
        with pytest.raises(PlacementError) as err:
            check_placement(_writer(prepared), page=1, box=box, field_name="x")
        assert err.value.code == "box_covers_qr"


def test_the_check_sees_the_box_as_it_will_be_drawn() -> None:
    # A visible width of 595.61 puts the QR's left edge at 515.61: the engine used to check the
    # box, then round it to 516 and draw it 0.39 pt over the QR. Now the checked box is the
    # drawn one, on pyHanko's 4-decimal grid.
    prepared = prepare(reshape(make_contract_pdf(pages=1), mediabox=(0, 0, 595.61, 841)), "")
    page = _page(prepared)
    qx1, qy1 = page.qr_box[:2]
    assert qx1 == pytest.approx(515.61)

    checked = check_placement(
        _writer(prepared), page=0, box=(qx1 - 80.4, qy1, qx1, qy1 + 80), field_name="x"
    )
    assert checked.rect == (435.21, 14.0, 515.61, 94.0)
    # 0.00004 pt in rounds onto the edge: drawn touching, so allowed
    near = check_placement(
        _writer(prepared), page=0, box=(qx1 - 80, qy1, qx1 + 0.00004, qy1 + 80), field_name="x"
    )
    assert near.rect[2] == page.qr[0]
    # 0.00006 pt in rounds to 0.0001 pt over the QR as drawn: refused
    with pytest.raises(PlacementError) as err:
        check_placement(
            _writer(prepared), page=0, box=(qx1 - 80, qy1, qx1 + 0.00006, qy1 + 80), field_name="x"
        )
    assert err.value.code == "box_covers_qr"


@pytest.mark.parametrize(
    ("mediabox", "cropbox", "rotate"),
    [(SHIFTED, CROP, 0), (NEGATIVE, NEGATIVE_CROP, 90), (NEGATIVE, None, 270)],
)
def test_a_seal_may_use_the_whole_visible_page_and_no_more(
    mediabox: Box, cropbox: Box | None, rotate: int
) -> None:
    pdf = reshape(make_contract_pdf(pages=1), mediabox=mediabox, cropbox=cropbox, rotate=rotate)
    prepared = prepare(pdf, VERIFY_URL)
    page = _page(prepared)
    w, h = page.width, page.height

    # flush with the shown corners (the bottom-left one is user space's most negative point on
    # a NEGATIVE page, unturned)
    for box in [(0, 0, 80, 80), (0, h - 80, 80, h), (w - 80, h - 80, w, h)]:
        rect = check_placement(_writer(prepared), page=0, box=box, field_name="x").rect
        assert page.contains(rect) and rect == page.to_pdf(box)
    for box in [(-1, 100, 79, 180), (w - 79, h - 79, w + 1, h + 1), (100, h - 79, 180, h + 1)]:
        with pytest.raises(PlacementError) as err:
            check_placement(_writer(prepared), page=0, box=box, field_name="x")
        assert err.value.code == "box_outside_page"


def test_the_recorded_page_must_be_the_document_s_page() -> None:
    prepared = prepare(reshape(make_contract_pdf(pages=1), mediabox=SHIFTED), VERIFY_URL)
    other = PageGeometry.of(number=1, mediabox=A4)

    with pytest.raises(PdfError) as err:
        check_placement(
            _writer(prepared), page=0, box=(0, 0, 80, 80), field_name="x", recorded=other
        )
    assert err.value.code == "page_changed"


def test_a_page_stamped_by_the_earlier_rule_keeps_its_qr_where_it_was_stamped() -> None:
    # Before the QR followed /Rotate it sat at the unturned MediaBox's bottom right; a turned
    # page of such an envelope is what stamping an unturned page and turning it gives.
    legacy = reshape(prepare(make_contract_pdf(pages=1), VERIFY_URL), rotate=90)
    page = document_geometry(legacy, legacy=True)[0]

    assert page.qr == pytest.approx(A4_QR)
    assert page.qr_box == pytest.approx((14.0, 14.0, 89.0, 80.0))  # shown bottom left
    for box in _beside(page.qr_box, into=0)[1:]:
        check_placement(_writer(legacy), page=0, box=box, field_name="x", recorded=page)
    with pytest.raises(PlacementError) as err:
        check_placement(
            _writer(legacy), page=0, box=(20, 20, 100, 100), field_name="x", recorded=page
        )
    assert err.value.code == "box_covers_qr"


def test_the_stored_form_round_trips() -> None:
    page = PageGeometry.of(number=3, mediabox=SHIFTED, cropbox=CROP, rotate=270)

    assert PageGeometry.is_complete(page.to_json())
    assert PageGeometry.from_json(page.to_json()) == page


def test_rows_stored_before_the_cropbox_was_kept_describe_the_earlier_qr() -> None:
    row = {"number": 1, "box": [10, 20, 600, 860], "rotate": 45}

    assert not PageGeometry.is_complete(row)
    page = PageGeometry.from_json(row)
    assert page == PageGeometry.legacy(number=1, mediabox=(10, 20, 600, 860), rotate=0)
    assert page.qr == (520.0, 34.0, 586.0, 109.0)
