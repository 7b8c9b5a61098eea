"""Where a firm letter's seal and verification QR go: one answer for letters and signing. Pure.

The letters service lays the letter out around these boxes (the firm's name and date under the
seal, nothing printed where the QR is stamped); the signing service seals and stamps at them. Both
read them from here, so the two cannot drift apart. PDF points, origin at the bottom left of the
A4 page, the placement frame of `geometry` (a letter page is neither cropped nor turned).
"""

from __future__ import annotations

from typing import Final

from .geometry import Box, qr_box

A4_WIDTH: Final = 595.2755905511812  # 210 mm
A4_HEIGHT: Final = 841.8897637795277  # 297 mm

MARGIN_X: Final = 76.0  # ~27 mm each side, close to the GB/T 9704 official-document block
TEXT_RIGHT: Final = A4_WIDTH - MARGIN_X
# The text frame ends here on every page: the page number and the QR corner lie below it.
FRAME_BOTTOM: Final = 126.0

# The verification QR (with its caption), stamped at the shown bottom-right corner of every page.
QR_BOX: Final[Box] = qr_box(A4_WIDTH, A4_HEIGHT)

# A Chinese firm seal is about 42 mm across; it is centred over the firm's name and the date.
SEAL_SIZE: Final = 120.0
SEAL_CENTRE_X: Final = TEXT_RIGHT - 72.0
SEAL_CENTRE_Y: Final = FRAME_BOTTOM + 4.0 + SEAL_SIZE / 2
SEAL_BOX: Final[Box] = (
    SEAL_CENTRE_X - SEAL_SIZE / 2,
    SEAL_CENTRE_Y - SEAL_SIZE / 2,
    SEAL_CENTRE_X + SEAL_SIZE / 2,
    SEAL_CENTRE_Y + SEAL_SIZE / 2,
)


def _last_page(page_count: int) -> int:
    if page_count < 1:
        raise ValueError(f"a letter has at least one page, got page_count={page_count}")
    return page_count - 1


def seal_box(page_count: int) -> tuple[int, Box]:
    """Return the 0-based page index and (x1, y1, x2, y2) box where the firm's seal goes."""
    return _last_page(page_count), SEAL_BOX


def qr_box_of(page_count: int) -> tuple[int, Box]:
    """Return the 0-based page index and box of the verification QR kept free on the last page."""
    return _last_page(page_count), QR_BOX
