"""The cross-page seal (骑缝章): where each page's slice of the firm seal goes. Pure.

The seal is cut into as many equal vertical slices as the document has pages; page i (from 0)
carries slice i at its right edge, all at the same height, so the pages fanned out in order
with their right edges staggered show the whole seal, and a page swapped in shows a gap.
Everything here is in placement coordinates (the page as shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .geometry import Box, PageGeometry

SEAM_SEAL_SIZE = 113.4  # points: 4 cm, the customary diameter of a firm's seal
SEAM_QR_GAP = 12.0  # points kept between the seal and the verification QR


class SeamDoesNotFit(ValueError):
    """The pages are too small to carry the seal at one height clear of the QR."""

    code = "seam_does_not_fit"


@dataclass(frozen=True)
class SeamSlice:
    """One page's share of the seal."""

    page: int  # 0-based
    index: int  # which slice of the seal, left to right
    count: int  # how many slices the seal is cut into
    rect: Box  # placement coordinates: flush with the page's right edge
    size: float  # the whole seal's side in points

    @property
    def offset(self) -> float:
        """Return how far from the seal's left edge this slice starts, in points."""
        return self.size * self.index / self.count


def seam_slices(pages: Sequence[PageGeometry], *, size: float = SEAM_SEAL_SIZE) -> list[SeamSlice]:
    """Return one slice per page, or none for a single page (it takes a normal seal only).

    The seal's top sits the same distance below every page's top edge: centred on the shortest
    page, raised where a page's QR would otherwise be touched.
    """
    count = len(pages)
    if count < 2:
        return []
    width = size / count
    # distance from the top edge to the seal's top: centred on the shortest page...
    drop = min(p.height for p in pages) / 2 - size / 2
    # ...unless that brings it down onto some page's QR (bottom right, under the slices)
    for p in pages:
        qr_top = p.qr_box[3]
        drop = min(drop, p.height - qr_top - SEAM_QR_GAP - size)
    if drop < 0:
        raise SeamDoesNotFit(
            f"a {size:.0f} pt seal does not fit at one height above every page's QR code"
        )
    out = []
    for number, page in enumerate(pages):
        top = page.height - drop
        rect = (page.width - width, top - size, page.width, top)
        out.append(SeamSlice(page=number, index=number, count=count, rect=rect, size=size))
    return out
