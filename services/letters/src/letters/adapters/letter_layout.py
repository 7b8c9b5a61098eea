"""Page geometry of a rendered letter, shared with the signing service through seal_box/qr_box.

Everything is in PDF points with the origin at the bottom-left of an A4 page. The
signature zone (firm name, date, seal) and the QR corner sit at fixed positions on the
last page, so the signing service can place the seal and QR without parsing the PDF.
"""

from __future__ import annotations

from typing import Final

from reportlab.lib.pagesizes import A4

Box = tuple[float, float, float, float]

PAGE_WIDTH: Final[float] = A4[0]
PAGE_HEIGHT: Final[float] = A4[1]

MARGIN_X: Final = 76.0  # ~27 mm each side, close to the GB/T 9704 official-document block
TEXT_RIGHT: Final = PAGE_WIDTH - MARGIN_X
TEXT_WIDTH: Final = PAGE_WIDTH - 2 * MARGIN_X

# First page: letterhead band, then the text frame.
LETTERHEAD_NAME_BASELINE: Final = PAGE_HEIGHT - 74.0
LETTERHEAD_NOTE_BASELINE: Final = PAGE_HEIGHT - 92.0
LETTERHEAD_RULE_Y: Final = PAGE_HEIGHT - 102.0
LETTERHEAD_CONTACT_BASELINE: Final = PAGE_HEIGHT - 116.0
FIRST_FRAME_TOP: Final = PAGE_HEIGHT - 128.0

# Later pages: a slim running header.
RUNNING_HEADER_BASELINE: Final = PAGE_HEIGHT - 50.0
RUNNING_RULE_Y: Final = PAGE_HEIGHT - 56.0
LATER_FRAME_TOP: Final = PAGE_HEIGHT - 72.0

PAGE_NUMBER_BASELINE: Final = 40.0

# The QR corner is kept free on every page, so the text frame ends above it.
QR_SIZE: Final = 80.0
QR_BOTTOM: Final = 34.0
QR_BOX: Final[Box] = (TEXT_RIGHT - QR_SIZE, QR_BOTTOM, TEXT_RIGHT, QR_BOTTOM + QR_SIZE)
FRAME_BOTTOM: Final = QR_BOX[3] + 12.0

# A Chinese firm seal is about 42 mm across; it is centred over the firm name and date.
SEAL_SIZE: Final = 120.0
SEAL_CENTRE_X: Final = TEXT_RIGHT - 72.0
SEAL_CENTRE_Y: Final = FRAME_BOTTOM + 4.0 + SEAL_SIZE / 2
SEAL_BOX: Final[Box] = (
    SEAL_CENTRE_X - SEAL_SIZE / 2,
    SEAL_CENTRE_Y - SEAL_SIZE / 2,
    SEAL_CENTRE_X + SEAL_SIZE / 2,
    SEAL_CENTRE_Y + SEAL_SIZE / 2,
)
SIGNATURE_NAME_BASELINE: Final = SEAL_CENTRE_Y + 8.0
SIGNATURE_DATE_BASELINE: Final = SEAL_CENTRE_Y - 18.0
# Height the signature zone claims at the bottom of the last page's frame.
SIGNATURE_ZONE_HEIGHT: Final = SEAL_BOX[3] - FRAME_BOTTOM + 8.0


def _last_page(page_count: int) -> int:
    if page_count < 1:
        raise ValueError(f"a letter has at least one page, got page_count={page_count}")
    return page_count - 1


def seal_box(page_count: int) -> tuple[int, Box]:
    """Return the 0-based page index and (x1, y1, x2, y2) box where the firm's seal goes."""
    return _last_page(page_count), SEAL_BOX


def qr_box(page_count: int) -> tuple[int, Box]:
    """Return the 0-based page index and (x1, y1, x2, y2) box kept free for the verification QR."""
    return _last_page(page_count), QR_BOX
