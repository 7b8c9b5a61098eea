"""A static stamp that looks upright on a page turned by /Rotate.

pyHanko (0.38) draws a widget's appearance in the page's unturned user space, so on a page with
/Rotate 90 the viewer sees the seal lying on its side. The appearance is drawn instead in the
frame the viewer sees (width and height swapped for 90 and 270) and given a /Matrix that turns it
back: a viewer maps the turned /BBox onto the widget's /Rect (PDF 32000-1, 12.5.5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import StaticStampStyle
from pyhanko.stamp.static import StaticContentStamp

from .geometry import turn

# pyHanko's FloatObject constructor is unannotated; pin its type once.
_float = cast(Callable[[float], generic.FloatObject], generic.FloatObject)


@dataclass(frozen=True)
class UprightStampStyle(StaticStampStyle):
    """A `StaticStampStyle` for a page shown turned clockwise by `rotate` degrees."""

    rotate: int = 0

    def create_stamp(
        self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict[str, Any]
    ) -> StaticContentStamp:
        """Return the stamp, laid out in the frame the viewer sees."""
        if self.rotate in (90, 270):
            box = BoxConstraints(width=box.height, height=box.width)  # type: ignore[no-untyped-call]
        return _UprightStamp(writer=writer, style=self, box=box)


class _UprightStamp(StaticContentStamp):
    def as_form_xobject(self) -> generic.StreamObject:
        xobj = super().as_form_xobject()
        rotate = cast(UprightStampStyle, self.style).rotate
        if rotate:
            matrix = (*turn(rotate), 0.0, 0.0)
            xobj[pdf_name("/Matrix")] = generic.ArrayObject([_float(v) for v in matrix])
        return xobj
