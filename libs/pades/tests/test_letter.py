"""The letter's seal and QR boxes: on the last page, on the page, apart, where the QR is stamped."""

from __future__ import annotations

import pytest
from pades import letter
from pades.geometry import PageGeometry, overlaps


@pytest.mark.parametrize("pages", [1, 3])
def test_both_boxes_are_on_the_last_page(pages: int) -> None:
    assert letter.seal_box(pages) == (pages - 1, letter.SEAL_BOX)
    assert letter.qr_box_of(pages) == (pages - 1, letter.QR_BOX)


def test_a_letter_has_a_page() -> None:
    with pytest.raises(ValueError):
        letter.seal_box(0)


def test_the_qr_box_is_where_the_engine_stamps_the_qr_on_an_a4_page() -> None:
    page = PageGeometry.of(number=1, mediabox=(0, 0, letter.A4_WIDTH, letter.A4_HEIGHT))
    assert page.qr_box == pytest.approx(letter.QR_BOX, abs=1e-3)
    assert page.contains(page.to_pdf(letter.SEAL_BOX))
    assert not page.covers_qr(page.to_pdf(letter.SEAL_BOX))


def test_the_seal_sits_above_the_text_frames_bottom_and_clear_of_the_qr() -> None:
    x1, y1, x2, y2 = letter.SEAL_BOX
    assert y1 > letter.FRAME_BOTTOM and x2 <= letter.TEXT_RIGHT
    assert letter.QR_BOX[3] < letter.FRAME_BOTTOM  # the text ends above the QR
    assert not overlaps(letter.SEAL_BOX, letter.QR_BOX)
    assert x2 - x1 == y2 - y1 == letter.SEAL_SIZE
