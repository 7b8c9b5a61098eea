"""Page geometry: the frame seals are placed in, and where the verification QR sits. Pure.

Placement coordinates are PDF points in the page's own user space: origin at the bottom left of
user space (not necessarily of the page), y upwards, before /Rotate turns the page for display.
The QR stamp, the placement check and the API's `pages` all come from `PageGeometry`, so the
server and its clients cannot disagree about where the page and the QR are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points

QR_SIZE = 66.0  # points: decodes at 150 dpi, small enough not to crowd the page
CAPTION_HEIGHT = 9.0
QR_MARGIN = 14.0


def qr_box(mediabox: Box) -> Box:
    """Return the area the verification QR (with caption) occupies on a page."""
    _, y0, x1, _ = mediabox
    return (
        x1 - QR_MARGIN - QR_SIZE,
        y0 + QR_MARGIN,
        x1 - QR_MARGIN,
        y0 + QR_MARGIN + QR_SIZE + CAPTION_HEIGHT,
    )


def overlaps(a: Box, b: Box) -> bool:
    """Tell whether two boxes share any area (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def normal_box(values: Sequence[float]) -> Box:
    """Return a PDF rectangle with its corners in (lower-left, upper-right) order."""
    x0, y0, x1, y1 = (float(v) for v in values)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def normal_rotate(value: object) -> int:
    """Return /Rotate as 0, 90, 180 or 270 (an invalid value counts as 0, as viewers do)."""
    try:
        degrees = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
    return degrees % 360 if degrees % 90 == 0 else 0


@dataclass(frozen=True)
class PageGeometry:
    """One page as placement sees it: its MediaBox in user space and how it is turned."""

    number: int  # 1-based
    box: Box  # the MediaBox: what the page images show and what a seal must stay inside
    rotate: int = 0  # clockwise, as the page is shown

    @property
    def width(self) -> float:
        """Return the width in points as the page is shown (its page image)."""
        w, h = self.box[2] - self.box[0], self.box[3] - self.box[1]
        return h if self.rotate in (90, 270) else w

    @property
    def height(self) -> float:
        """Return the height in points as the page is shown (its page image)."""
        w, h = self.box[2] - self.box[0], self.box[3] - self.box[1]
        return w if self.rotate in (90, 270) else h

    @property
    def qr_box(self) -> Box:
        """Return where the verification QR is stamped, in placement coordinates."""
        return qr_box(self.box)

    def contains(self, box: Box) -> bool:
        """Tell whether a seal box lies on the page."""
        x0, y0, x1, y1 = self.box
        return box[0] >= x0 and box[1] >= y0 and box[2] <= x1 and box[3] <= y1

    def covers_qr(self, box: Box) -> bool:
        """Tell whether a seal box would cover any of the verification QR."""
        return overlaps(box, self.qr_box)

    def to_json(self) -> dict[str, Any]:
        """Return what is stored per page (the rest is derived, never stored)."""
        return {"number": self.number, "box": list(self.box), "rotate": self.rotate}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageGeometry:
        """Return the page stored by `to_json`."""
        return cls(
            number=int(data["number"]),
            box=normal_box(data["box"]),
            rotate=normal_rotate(data.get("rotate", 0)),
        )
