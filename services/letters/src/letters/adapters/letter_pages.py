"""Fixed page furniture: letterhead, running header, watermark, page numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import letter_layout as L
from .letter_model import FirmInfo

FIRM_RED = Color(0.78, 0.06, 0.09)
GREY = Color(0.35, 0.35, 0.35)
WATERMARK_GREY = Color(0.6, 0.6, 0.6, alpha=0.28)
WATERMARK_TEXT = "预览 / PREVIEW — 未审批"


def fit_font_size(text: str, font: str, preferred: float, max_width: float) -> float:
    """Return the largest size up to preferred at which text fits in max_width."""
    width = stringWidth(text, font, preferred)
    return preferred if width <= max_width else preferred * max_width / width


@dataclass(frozen=True, slots=True)
class PageDecor:
    """Draws the fixed, non-flowing parts of each page."""

    firm: FirmInfo
    number: str | None
    font: str

    def first_page(self, canv: Canvas, _doc: Any) -> None:
        """Draw the letterhead: firm name in red, an optional note, a red double rule, contacts."""
        canv.saveState()
        canv.setFillColor(FIRM_RED)
        size = fit_font_size(self.firm.name, self.font, 26, L.TEXT_WIDTH)
        canv.setFont(self.font, size)
        # Letter-spaced like a printed letterhead; the charSpace keeps pdftotext's text intact.
        space = size * 0.12
        canv.drawCentredString(
            L.PAGE_WIDTH / 2, L.LETTERHEAD_NAME_BASELINE, self.firm.name, charSpace=space
        )
        if self.firm.letterhead_note:
            canv.setFillColor(GREY)
            canv.setFont(self.font, 9)
            canv.drawCentredString(
                L.PAGE_WIDTH / 2, L.LETTERHEAD_NOTE_BASELINE, self.firm.letterhead_note
            )
        canv.setStrokeColor(FIRM_RED)
        canv.setLineWidth(2.2)
        canv.line(L.MARGIN_X, L.LETTERHEAD_RULE_Y, L.TEXT_RIGHT, L.LETTERHEAD_RULE_Y)
        canv.setLineWidth(0.6)
        canv.line(L.MARGIN_X, L.LETTERHEAD_RULE_Y - 3.5, L.TEXT_RIGHT, L.LETTERHEAD_RULE_Y - 3.5)
        contact = f"地址：{self.firm.address}　　电话：{self.firm.phone}"
        canv.setFillColor(GREY)
        canv.setFont(self.font, fit_font_size(contact, self.font, 9, L.TEXT_WIDTH))
        canv.drawCentredString(L.PAGE_WIDTH / 2, L.LETTERHEAD_CONTACT_BASELINE, contact)
        canv.restoreState()
        self._watermark(canv)

    def later_page(self, canv: Canvas, _doc: Any) -> None:
        """Draw the running header: firm name left, letter number right, a thin red rule."""
        canv.saveState()
        canv.setFillColor(GREY)
        canv.setFont(self.font, 9)
        canv.drawString(L.MARGIN_X, L.RUNNING_HEADER_BASELINE, self.firm.name)
        canv.drawRightString(
            L.TEXT_RIGHT, L.RUNNING_HEADER_BASELINE, self.number or "预览（未审批）"
        )
        canv.setStrokeColor(FIRM_RED)
        canv.setLineWidth(0.6)
        canv.line(L.MARGIN_X, L.RUNNING_RULE_Y, L.TEXT_RIGHT, L.RUNNING_RULE_Y)
        canv.restoreState()
        self._watermark(canv)

    def page_number(self, canv: Canvas, page: int, total: int) -> None:
        """Draw "第 n 页 / 共 m 页" centred at the foot, so a missing page is noticed."""
        canv.saveState()
        canv.setFillColor(GREY)
        canv.setFont(self.font, 9)
        canv.drawCentredString(
            L.PAGE_WIDTH / 2, L.PAGE_NUMBER_BASELINE, f"第{page}页 / 共{total}页"
        )
        canv.restoreState()

    def _watermark(self, canv: Canvas) -> None:
        # Drawn before the text so it sits underneath; only unapproved drafts carry it.
        if self.number is not None:
            return
        canv.saveState()
        canv.setFillColor(WATERMARK_GREY)
        canv.translate(L.PAGE_WIDTH / 2, L.PAGE_HEIGHT / 2)
        canv.rotate(35)
        canv.setFont(self.font, fit_font_size(WATERMARK_TEXT, self.font, 40, L.PAGE_HEIGHT * 0.8))
        canv.drawCentredString(0, 0, WATERMARK_TEXT)
        canv.restoreState()


PageNumberer = Callable[[Canvas, int, int], None]


def numbered_canvas(draw_number: PageNumberer) -> Callable[..., Canvas]:
    """Return a canvas factory that draws page n of m once the total is known."""

    def make(*args: Any, **kwargs: Any) -> Canvas:
        return _NumberedCanvas(*args, draw_number=draw_number, **kwargs)

    return make


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type stubs
    """Holds each finished page until save(), when the page count is finally known."""

    def __init__(self, *args: Any, draw_number: PageNumberer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._draw_number = draw_number
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for index, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._draw_number(self, index, total)
            super().showPage()
        super().save()
