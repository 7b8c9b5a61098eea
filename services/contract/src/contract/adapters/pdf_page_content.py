"""What a page draws: how much of it is covered by raster images, and how much text.

Runs inside the bounded inspection worker, never in the service process.
"""

import itertools
import re
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, StreamObject

# Images covering this share of the page, with at most NEGLIGIBLE_TEXT visible
# characters on top, make a page look like a scan of paper.
COVERS_PAGE = 0.85
NEGLIGIBLE_TEXT = 40
_FORM_DEPTH = 4
# Form XObjects can draw each other many times over; stop counting past this.
_OPERATION_BUDGET = 500_000
_MAX_RECTS = 32
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SHOWS_TEXT = re.compile(rb"[)>\]]\s*(?:Tj|TJ|'|\")")
_INLINE_IMAGE = re.compile(rb"(?<![^\s\]>)])BI\s")
_INVISIBLE_MODES = (3, 7)  # OCR layers under scans use "neither fill nor stroke"

Matrix = tuple[float, float, float, float, float, float]
Rect = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class PageContent:
    """Facts about one page's drawing."""

    has_text: bool  # shows any text, even invisible (an OCR layer)
    image_coverage: float  # share of the page area under raster images, 0..1
    scan_like: bool  # mostly raster image with negligible visible text


def analyse_page(page: PageObject, reader: PdfReader) -> PageContent:
    """Return what the page draws, reading its content stream once."""
    contents = page.get_contents()
    data = contents.get_data() if contents is not None else b""
    resources = _dict(page.get("/Resources"))
    xobjects = _dict(resources.get("/XObject")) if resources is not None else None
    if not xobjects and not _INLINE_IMAGE.search(data):
        # Most contract pages draw no images: a cheap scan for text operators suffices.
        return PageContent(_SHOWS_TEXT.search(data) is not None, 0.0, scan_like=False)
    assert contents is not None
    walk = _Walk(reader, _page_box(page))
    walk.run(contents, resources, _IDENTITY, depth=0)
    coverage = min(_union_area(walk.rects) / walk.area, 1.0)
    scan_like = coverage >= COVERS_PAGE and walk.visible_text <= NEGLIGIBLE_TEXT
    return PageContent(walk.has_text, coverage, scan_like)


class _Walk:
    """Interprets just enough of a content stream: CTM, text modes, image placements."""

    def __init__(self, reader: PdfReader, box: Rect) -> None:
        self.reader = reader
        self.box = box
        self.area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)
        self.rects: list[Rect] = []
        self.has_text = False
        self.visible_text = 0
        self.budget = _OPERATION_BUDGET

    def run(
        self, stream: ContentStream, resources: DictionaryObject | None, ctm: Matrix, depth: int
    ) -> None:
        xobjects = _dict(resources.get("/XObject")) if resources is not None else None
        stack: list[tuple[Matrix, int]] = []
        mode = 0
        for operands, operator in stream.operations:
            self.budget -= 1
            if self.budget < 0:
                return
            if operator == b"q":
                stack.append((ctm, mode))
            elif operator == b"Q" and stack:
                ctm, mode = stack.pop()
            elif operator == b"cm" and len(operands) == 6:
                ctm = _concat(_matrix(operands), ctm)
            elif operator == b"Tr" and operands:
                mode = int(_number(operands[0]))
            elif operator in (b"Tj", b"TJ", b"'", b'"') and operands:
                self._text(operands[-1], visible=mode not in _INVISIBLE_MODES)
            elif operator == b"INLINE IMAGE":
                self._image(ctm)
            elif operator == b"Do" and operands and xobjects is not None:
                self._xobject(xobjects.get(operands[0]), ctm, depth)

    def _text(self, shown: Any, *, visible: bool) -> None:
        if isinstance(shown, (str, bytes)):
            chars = len(shown)
        elif isinstance(shown, list):  # TJ: strings interleaved with kerning numbers
            chars = sum(len(s) for s in shown if isinstance(s, (str, bytes)))
        else:
            return
        if chars:
            self.has_text = True
            if visible:
                self.visible_text += chars

    def _image(self, ctm: Matrix) -> None:
        rect = _clip(_transform_unit_square(ctm), self.box)
        if rect is None:
            return
        if _area(rect) / self.area >= COVERS_PAGE:
            # An opaque page-size image hides the text drawn before it ("sandwich" OCR).
            self.visible_text = 0
        if len(self.rects) < _MAX_RECTS:
            self.rects.append(rect)

    def _xobject(self, ref: Any, ctm: Matrix, depth: int) -> None:
        xobject = ref.get_object() if ref is not None else None
        if not isinstance(xobject, StreamObject):
            return
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            self._image(ctm)
        elif subtype == "/Form" and depth < _FORM_DEPTH:
            matrix = xobject.get("/Matrix")
            form_ctm = _concat(_matrix(matrix), ctm) if _is_matrix(matrix) else ctm
            self.run(
                ContentStream(xobject, self.reader),
                _dict(xobject.get("/Resources")),
                form_ctm,
                depth + 1,
            )


def _dict(value: Any) -> DictionaryObject | None:
    resolved = value.get_object() if value is not None else None
    return resolved if isinstance(resolved, DictionaryObject) else None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _is_matrix(value: Any) -> bool:
    return isinstance(value, ArrayObject) and len(value) == 6


def _matrix(values: Any) -> Matrix:
    a, b, c, d, e, f = (_number(v) for v in values)
    return (a, b, c, d, e, f)


def _concat(m: Matrix, ctm: Matrix) -> Matrix:
    """Return m × ctm, the PDF order for `cm`."""
    return (
        m[0] * ctm[0] + m[1] * ctm[2],
        m[0] * ctm[1] + m[1] * ctm[3],
        m[2] * ctm[0] + m[3] * ctm[2],
        m[2] * ctm[1] + m[3] * ctm[3],
        m[4] * ctm[0] + m[5] * ctm[2] + ctm[4],
        m[4] * ctm[1] + m[5] * ctm[3] + ctm[5],
    )


def _transform_unit_square(m: Matrix) -> Rect:
    xs = [m[0] * x + m[2] * y + m[4] for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
    ys = [m[1] * x + m[3] * y + m[5] for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
    return (min(xs), min(ys), max(xs), max(ys))


def _page_box(page: PageObject) -> Rect:
    box = page.cropbox
    left, right = sorted((float(box.left), float(box.right)))
    bottom, top = sorted((float(box.bottom), float(box.top)))
    return (left, bottom, right, top)


def _clip(rect: Rect, box: Rect) -> Rect | None:
    clipped = (
        max(rect[0], box[0]),
        max(rect[1], box[1]),
        min(rect[2], box[2]),
        min(rect[3], box[3]),
    )
    return clipped if clipped[0] < clipped[2] and clipped[1] < clipped[3] else None


def _area(rect: Rect) -> float:
    return (rect[2] - rect[0]) * (rect[3] - rect[1])


def _union_area(rects: list[Rect]) -> float:
    """Return the area covered by the rectangles, counting overlaps once."""
    # Scanners sometimes emit a page as several strips, so overlap matters.
    xs = sorted({x for r in rects for x in (r[0], r[2])})
    ys = sorted({y for r in rects for y in (r[1], r[3])})
    total = 0.0
    for x0, x1 in itertools.pairwise(xs):
        for y0, y1 in itertools.pairwise(ys):
            if any(r[0] <= x0 and x1 <= r[2] and r[1] <= y0 and y1 <= r[3] for r in rects):
                total += (x1 - x0) * (y1 - y0)
    return total
