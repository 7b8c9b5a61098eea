"""Render a Chinese law-firm letter (所函) as an A4 PDF/A-2b with an embedded CJK font."""

from __future__ import annotations

import io

from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageTemplate
from servicekit.pdfa import REPORTLAB_LOCK, to_pdfa2b

from . import letter_layout as L
from .letter_fonts import UnrenderableTextError, cjk_font_name, ensure_renderable
from .letter_layout import Box, qr_box, seal_box
from .letter_model import FirmInfo, Lawyer, LetterContent, format_letter_date
from .letter_pages import PageDecor, numbered_canvas
from .letter_story import build_story

__all__ = [
    "Box",
    "FirmInfo",
    "Lawyer",
    "LetterContent",
    "UnrenderableTextError",
    "format_letter_date",
    "qr_box",
    "render_letter",
    "seal_box",
]


def _frame(frame_id: str, top: float) -> Frame:
    return Frame(
        L.MARGIN_X,
        L.FRAME_BOTTOM,
        L.TEXT_WIDTH,
        top - L.FRAME_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=frame_id,
    )


def _all_text(letter: LetterContent, firm: FirmInfo) -> str:
    lawyers = "".join(name + licence for name, licence in letter.lawyers)
    return "".join(
        (
            firm.name,
            firm.address,
            firm.phone,
            firm.letterhead_note or "",
            letter.number or "",
            letter.letter_type,
            letter.recipient_org,
            letter.case_serial_no,
            letter.cause_of_action,
            letter.client_name,
            letter.matter,
            letter.body,
            lawyers,
        )
    )


def render_letter(letter: LetterContent, firm: FirmInfo, *, font_path: str) -> bytes:
    """Render the letter as PDF/A-2b bytes, identical for identical input."""
    font = cjk_font_name(font_path)
    # A name printed with a missing glyph would be a wrong legal document, not a cosmetic flaw.
    ensure_renderable(_all_text(letter, firm), font_path=font_path)
    decor = PageDecor(firm=firm, number=letter.number, font=font)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT),
        # invariant=1 fixes the creation date and document id, so equal input gives equal bytes.
        invariant=1,
        title=f"{letter.letter_type} {letter.number or '预览'}",
        author=firm.name,
        subject=f"{letter.recipient_org} / {letter.case_serial_no}",
        creator="lexseal",
        lang="zh-CN",
        # Without this every page also references (unembedded) Helvetica.
        initialFontName=font,
        pageTemplates=[
            PageTemplate("first", [_frame("first", L.FIRST_FRAME_TOP)], onPage=decor.first_page),
            PageTemplate("later", [_frame("later", L.LATER_FRAME_TOP)], onPage=decor.later_page),
        ],
    )
    story = [NextPageTemplate("later"), *build_story(letter, firm, font)]
    with REPORTLAB_LOCK:
        doc.build(story, canvasmaker=numbered_canvas(decor.page_number))
    # Letters are kept as evidence for years: archival PDF/A, declared before anything signs it.
    return to_pdfa2b(buffer.getvalue())
