"""Page geometry: the frame seals are placed in, and where the verification QR sits. Pure.

Two frames, both in PDF points:

- placement coordinates, the frame of the API (`pages[]`, seal placement) and of the page images:
  the page as a viewer shows it: the visible box (CropBox within the MediaBox) turned by /Rotate,
  origin at its bottom-left corner, x rightwards, y upwards, so 0 <= x <= width, 0 <= y <= height;
- PDF user space, the frame of the file (MediaBox, CropBox, a widget's /Rect), unturned and
  possibly with its origin anywhere.

`PageGeometry` converts between them; the QR stamp, the placement check, the seal's appearance and
the API's `pages` all come from it, so the server and its clients cannot disagree about where the
page and the QR are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points
Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as PDF's `cm`

QR_SIZE = 66.0  # points: decodes at 150 dpi, small enough not to crowd the page
CAPTION_HEIGHT = 9.0
QR_MARGIN = 14.0
# pyHanko writes a widget's /Rect with 4 decimals: boxes in user space are snapped to that grid
# before they are checked, so the check sees the numbers the file will carry.
DECIMALS = 4


def snap(box: Sequence[float]) -> Box:
    """Return a box with its coordinates on the grid the PDF is written with."""
    x1, y1, x2, y2 = (round(float(v), DECIMALS) for v in box)
    return (x1, y1, x2, y2)


def qr_box(width: float, height: float) -> Box:
    """Return the area the verification QR (with caption) occupies, in placement coordinates."""
    return (
        width - QR_MARGIN - QR_SIZE,
        QR_MARGIN,
        width - QR_MARGIN,
        QR_MARGIN + QR_SIZE + CAPTION_HEIGHT,
    )


def legacy_qr_box(mediabox: Box) -> Box:
    """Return where the QR was stamped before it followed /Rotate and the CropBox (user space).

    It sat at the bottom right of the unturned MediaBox, 66 pt plus a 9 pt caption, 14 pt in;
    envelopes stamped then keep it there, whatever the current constants say.
    """
    _, y0, x1, _ = mediabox
    return snap((x1 - 80.0, y0 + 14.0, x1 - 14.0, y0 + 89.0))


def overlaps(a: Box, b: Box) -> bool:
    """Tell whether two boxes share any area (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def encloses(outer: Box, inner: Box) -> bool:
    """Tell whether `inner` lies inside `outer` (edges may coincide)."""
    x1, y1, x2, y2 = outer
    return x1 <= inner[0] and y1 <= inner[1] and inner[2] <= x2 and inner[3] <= y2


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


def visible_box(mediabox: Box, cropbox: Box | None) -> Box:
    """Return what viewers show: the CropBox clipped to the MediaBox (the MediaBox without one)."""
    if cropbox is None:
        return mediabox
    x1, y1 = max(mediabox[0], cropbox[0]), max(mediabox[1], cropbox[1])
    x2, y2 = min(mediabox[2], cropbox[2]), min(mediabox[3], cropbox[3])
    # A CropBox outside the MediaBox leaves nothing to show: viewers fall back to the MediaBox.
    return (x1, y1, x2, y2) if x1 < x2 and y1 < y2 else mediabox


def turn(rotate: int) -> tuple[float, float, float, float]:
    """Return the linear part of the map from placement coordinates to user space.

    /Rotate turns the page clockwise for display, so drawing that looks upright to the viewer is
    turned as far anticlockwise in user space.
    """
    return {90: (0.0, 1.0, -1.0, 0.0), 180: (-1.0, 0.0, 0.0, -1.0), 270: (0.0, -1.0, 1.0, 0.0)}.get(
        rotate, (1.0, 0.0, 0.0, 1.0)
    )


@dataclass(frozen=True)
class PageGeometry:
    """One page: its boxes in user space, how it is turned, and where its QR was stamped."""

    number: int  # 1-based
    mediabox: Box  # user space
    cropbox: Box  # user space: the visible box, already clipped to the MediaBox
    rotate: int  # clockwise, as the page is shown
    qr: Box  # user space: the verification QR as stamped, which no seal may overlap

    @classmethod
    def of(
        cls, *, number: int, mediabox: Box, cropbox: Box | None = None, rotate: int = 0
    ) -> PageGeometry:
        """Return a page whose QR sits (or will be stamped) at its shown bottom-right corner."""
        page = cls.legacy(number=number, mediabox=mediabox, cropbox=cropbox, rotate=rotate)
        return replace(page, qr=page.to_pdf(qr_box(page.width, page.height)))

    @classmethod
    def legacy(
        cls, *, number: int, mediabox: Box, cropbox: Box | None = None, rotate: int = 0
    ) -> PageGeometry:
        """Return a page stamped before the QR followed /Rotate and the CropBox."""
        media = snap(mediabox)
        crop = snap(visible_box(media, cropbox))
        return cls(number, media, crop, rotate, legacy_qr_box(media))

    @property
    def width(self) -> float:
        """Return the width in points as the page is shown (its page image)."""
        w, h = self.cropbox[2] - self.cropbox[0], self.cropbox[3] - self.cropbox[1]
        return h if self.rotate in (90, 270) else w

    @property
    def height(self) -> float:
        """Return the height in points as the page is shown (its page image)."""
        w, h = self.cropbox[2] - self.cropbox[0], self.cropbox[3] - self.cropbox[1]
        return w if self.rotate in (90, 270) else h

    @property
    def box(self) -> Box:
        """Return the visible page in placement coordinates."""
        return (0.0, 0.0, self.width, self.height)

    @property
    def qr_box(self) -> Box:
        """Return the verification QR in placement coordinates."""
        return self.to_placement(self.qr)

    @property
    def matrix(self) -> Matrix:
        """Return the map from placement coordinates to user space, as a PDF matrix."""
        a, b, c, d = turn(self.rotate)
        x0, y0, x1, y1 = self.cropbox
        # the placement origin (the shown bottom-left) is this corner of the visible box
        e = {90: x1, 180: x1, 270: x0}.get(self.rotate, x0)
        f = {180: y1, 270: y1}.get(self.rotate, y0)
        return (a, b, c, d, e, f)

    def to_pdf(self, box: Box) -> Box:
        """Return a box given in placement coordinates in user space, as the file will carry it."""
        a, b, c, d, e, f = self.matrix
        corners = [(a * x + c * y + e, b * x + d * y + f) for x, y in (box[:2], box[2:])]
        return snap(normal_box((*corners[0], *corners[1])))

    def to_placement(self, box: Box) -> Box:
        """Return a box given in user space in placement coordinates."""
        a, b, c, d, e, f = self.matrix
        # the linear part is a rotation: its inverse is its transpose
        corners = [
            (a * (x - e) + b * (y - f), c * (x - e) + d * (y - f)) for x, y in (box[:2], box[2:])
        ]
        return normal_box((*corners[0], *corners[1]))

    def contains(self, box: Box) -> bool:
        """Tell whether a seal box (user space) lies on the visible page."""
        return encloses(self.cropbox, box)

    def covers_qr(self, box: Box) -> bool:
        """Tell whether a seal box (user space) would cover any of the verification QR."""
        return overlaps(box, self.qr)

    def same_page_as(self, other: PageGeometry) -> bool:
        """Tell whether two descriptions agree on the page's boxes and turn."""
        return (self.number, self.mediabox, self.cropbox, self.rotate) == (
            other.number,
            other.mediabox,
            other.cropbox,
            other.rotate,
        )

    def to_json(self) -> dict[str, Any]:
        """Return what is stored per page (the placement frame is derived, never stored)."""
        return {
            "number": self.number,
            "box": list(self.mediabox),  # the key earlier rows used for the MediaBox
            "crop": list(self.cropbox),
            "rotate": self.rotate,
            "qr": list(self.qr),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageGeometry:
        """Return the page stored by `to_json`.

        Rows stored before the CropBox and the QR were kept (no "qr") describe a QR stamped by
        the earlier rule; their CropBox was not recorded, so callers read such pages from the
        document instead (`is_complete`).
        """
        media = snap(normal_box(data["box"]))
        crop = snap(normal_box(data.get("crop", media)))
        qr = snap(normal_box(data["qr"])) if "qr" in data else legacy_qr_box(media)
        return cls(int(data["number"]), media, crop, normal_rotate(data.get("rotate", 0)), qr)

    @staticmethod
    def is_complete(data: dict[str, Any]) -> bool:
        """Tell whether a stored row records everything (rows before the CropBox fix do not)."""
        return "crop" in data and "qr" in data
