"""Page geometry of a rendered letter, shared with the signing service through
pades.letter (seal_box, qr_box).

Everything is in PDF points with the origin at the bottom-left of an A4 page. The
signature zone (firm name, date, seal) and the QR corner sit at fixed positions on the
last page, so the signing service can place the seal and QR without parsing the PDF.
"""

from __future__ import annotations

from typing import Final

from pades import letter
from pades.geometry import Box
from pades.letter import qr_box_of as qr_box
from pades.letter import seal_box

__all__ = ["Box", "qr_box", "seal_box"]

PAGE_WIDTH: Final[float] = letter.A4_WIDTH
PAGE_HEIGHT: Final[float] = letter.A4_HEIGHT

MARGIN_X: Final = letter.MARGIN_X
TEXT_RIGHT: Final = letter.TEXT_RIGHT
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

# The seal and the QR corner come from the PAdES library, which the signing service reads too:
# the text frame ends above the QR on every page, the firm's name and date sit under the seal.
QR_BOX: Final[Box] = letter.QR_BOX
FRAME_BOTTOM: Final = letter.FRAME_BOTTOM
SEAL_SIZE: Final = letter.SEAL_SIZE
SEAL_CENTRE_X: Final = letter.SEAL_CENTRE_X
SEAL_CENTRE_Y: Final = letter.SEAL_CENTRE_Y
SEAL_BOX: Final[Box] = letter.SEAL_BOX
SIGNATURE_NAME_BASELINE: Final = SEAL_CENTRE_Y + 8.0
SIGNATURE_DATE_BASELINE: Final = SEAL_CENTRE_Y - 18.0
# Height the signature zone claims at the bottom of the last page's frame.
SIGNATURE_ZONE_HEIGHT: Final = SEAL_BOX[3] - FRAME_BOTTOM + 8.0
