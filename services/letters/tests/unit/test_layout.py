"""The seal and QR boxes the signing service relies on."""

from __future__ import annotations

import pytest
from letters.adapters.render import qr_box, seal_box

A4_WIDTH, A4_HEIGHT = 595.2756, 841.8898


@pytest.mark.parametrize("pages", [1, 3])
def test_boxes_are_on_the_last_page(pages: int) -> None:
    assert seal_box(pages)[0] == pages - 1
    assert qr_box(pages)[0] == pages - 1


def test_boxes_fit_the_page_and_do_not_overlap() -> None:
    _, (sx1, sy1, sx2, sy2) = seal_box(1)
    _, (qx1, qy1, qx2, qy2) = qr_box(1)
    for x1, y1, x2, y2 in ((sx1, sy1, sx2, sy2), (qx1, qy1, qx2, qy2)):
        assert 0 < x1 < x2 < A4_WIDTH and 0 < y1 < y2 < A4_HEIGHT
    assert qy2 < sy1  # QR sits below the seal
    assert qx2 - qx1 == pytest.approx(66) and qy2 - qy1 == pytest.approx(75)  # QR + caption
    assert qx2 > A4_WIDTH * 0.8 and qy1 < 60  # bottom-right corner
    assert 110 < sx2 - sx1 < 130  # a 42 mm round seal fits


def test_zero_pages_is_an_error() -> None:
    with pytest.raises(ValueError):
        seal_box(0)
