"""Schemas the lawyer's and the signer's routes share: where a seal goes, and the pages."""

from __future__ import annotations

from pades.geometry import Box, PageGeometry
from pydantic import BaseModel, Field

from ..domain.model import Placement

# no accepted page is larger than this in points (PDF's own limit is 14,400 units)
MAX_COORDINATE = 14_400


class PlacementIn(BaseModel):
    """Where a seal goes: 0-based page, lower-left corner and size in placement coordinates.

    Placement coordinates are PDF points on the page as a viewer shows it (and as its page image
    shows it): the visible box (CropBox) turned by /Rotate, origin at its bottom-left corner,
    x rightwards, y upwards — the frame of `pages[].box` and `pages[].qr_box`. The seal must lie
    inside `box` and clear of `qr_box`; the server maps it to the PDF's own user space (which may
    be turned or start at negative coordinates) and draws it upright there.
    """

    page: int = Field(ge=0, le=10_000)
    # The visible page spans 0..width x 0..height in this frame, so a negative corner is
    # always off the page, whatever user space the PDF uses.
    x: float = Field(ge=0, le=MAX_COORDINATE, allow_inf_nan=False)
    y: float = Field(ge=0, le=MAX_COORDINATE, allow_inf_nan=False)
    width: float = Field(gt=0, le=600, allow_inf_nan=False)
    height: float = Field(gt=0, le=600, allow_inf_nan=False)

    def to_domain(self) -> Placement:
        """Return the domain placement."""
        return Placement(page=self.page, x=self.x, y=self.y, width=self.width, height=self.height)


class BoxPublic(BaseModel):
    """A rectangle in placement coordinates (PDF points): lower-left corner and size."""

    x: float
    y: float
    width: float
    height: float

    @classmethod
    def of(cls, box: Box) -> BoxPublic:
        """Return the rectangle of an (x1, y1, x2, y2) box."""
        x1, y1, x2, y2 = box
        return cls(x=x1, y=y1, width=x2 - x1, height=y2 - y1)


class PagePublic(BaseModel):
    """One page of the document as shown: its size, and where a seal may and may not go."""

    number: int = Field(description="1-based, as in .../pages/{n}.png")
    width: float = Field(
        description="points, as the page is shown and imaged: its CropBox, /Rotate applied"
    )
    height: float = Field(
        description="points, as the page is shown and imaged: its CropBox, /Rotate applied"
    )
    rotate: int = Field(
        description="the page's /Rotate, 0, 90, 180 or 270 degrees clockwise: informative, "
        "placement coordinates already have it applied"
    )
    box: BoxPublic = Field(
        description="the visible page in placement coordinates: always x=0, y=0, width, height"
    )
    qr_box: BoxPublic = Field(
        description="the verification QR with its caption, in placement coordinates: "
        "a seal that overlaps it is refused (422 box_covers_qr); touching its edge is allowed"
    )

    @classmethod
    def of(cls, page: PageGeometry) -> PagePublic:
        """Return the page as the API shows it."""
        return cls(
            number=page.number,
            width=page.width,
            height=page.height,
            rotate=page.rotate,
            box=BoxPublic.of(page.box),
            qr_box=BoxPublic.of(page.qr_box),
        )
