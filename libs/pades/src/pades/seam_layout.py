"""The cross-page seal (骑缝章): where each page's slice of the firm seal goes. Pure.

The seal is cut into as many equal vertical slices as the document has pages; page i (from 0)
carries slice i at its right edge, all at the same height, so the pages fanned out in order
with their right edges staggered show the whole seal, and a page swapped in shows a gap.

A slice is never narrower than ``SEAM_MIN_SLICE`` (6 mm): with more pages than one seal can
be cut into at that width, the pages are split, in order, into consecutive groups as equal as
can be, and each group carries one whole seal cut across it — as seals are stamped across a
thick contract in practice, a fan of pages at a time. Every group has at least two pages.
Everything here is in placement coordinates (the page as shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .geometry import Box, PageGeometry

SEAM_SEAL_SIZE = 113.4  # points: 4 cm, the customary diameter of a firm's seal
SEAM_QR_GAP = 12.0  # points kept between the seal and the verification QR
# points: 6 mm, the narrowest slice that still shows a recognisable part of the seal's ring and
# characters (a 4 cm seal over up to 6 pages per group)
SEAM_MIN_SLICE = 6 / 25.4 * 72


class SeamDoesNotFit(ValueError):
    """The pages are too small to carry the seal at one height clear of the QR."""

    code = "seam_does_not_fit"


@dataclass(frozen=True)
class SeamSlice:
    """One page's share of the seal."""

    page: int  # 0-based
    index: int  # which slice of its group's seal, left to right
    count: int  # how many slices its group's seal is cut into (the group's pages)
    rect: Box  # placement coordinates: flush with the page's right edge
    size: float  # the whole seal's side in points
    group: int = 0  # which group of pages (each carries one whole seal), from 0

    @property
    def offset(self) -> float:
        """Return how far from the seal's left edge this slice starts, in points."""
        return self.size * self.index / self.count


def seam_groups(pages: int, *, size: float = SEAM_SEAL_SIZE) -> list[range]:
    """Return the consecutive groups of page indexes that each carry one whole seal.

    As few groups as keep every slice at least ``SEAM_MIN_SLICE`` wide, as equal as can be
    (the first ones one page longer); none for fewer than two pages.
    """
    if pages < 2:
        return []
    per_group = max(2, int(size // SEAM_MIN_SLICE))
    count = -(-pages // per_group)  # ceiling
    base, longer = divmod(pages, count)
    groups, start = [], 0
    for g in range(count):
        length = base + (1 if g < longer else 0)
        groups.append(range(start, start + length))
        start += length
    return groups


def seam_slices(pages: Sequence[PageGeometry], *, size: float = SEAM_SEAL_SIZE) -> list[SeamSlice]:
    """Return one slice per page, or none for a single page (it takes a normal seal only).

    The seal's top sits the same distance below every page's top edge: centred on the shortest
    page, raised where a page's QR would otherwise be touched. See ``seam_groups`` for how
    many pages share one seal.
    """
    groups = seam_groups(len(pages), size=size)
    if not groups:
        return []
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
    for group, members in enumerate(groups):
        count = len(members)
        width = size / count
        for index, number in enumerate(members):
            page = pages[number]
            top = page.height - drop
            rect = (page.width - width, top - size, page.width, top)
            out.append(
                SeamSlice(page=number, index=index, count=count, rect=rect, size=size, group=group)
            )
    return out
