"""The flowing part of a letter: title, number, salutation, body, case details, signature zone."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from . import letter_layout as L
from .letter_model import FirmInfo, LetterContent, format_letter_date
from .letter_pages import FIRM_RED, fit_font_size

BODY_SIZE = 14.0
DETAIL_SIZE = 11.5


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, wordWrap="CJK", textColor="black")
    return {
        "number": ParagraphStyle("number", base, fontSize=12, leading=18, alignment=TA_RIGHT),
        "salutation": ParagraphStyle("salutation", base, fontSize=BODY_SIZE, leading=26),
        "body": ParagraphStyle(
            "body", base, fontSize=BODY_SIZE, leading=26, firstLineIndent=2 * BODY_SIZE
        ),
        "label": ParagraphStyle("label", base, fontSize=DETAIL_SIZE, leading=17),
        "value": ParagraphStyle("value", base, fontSize=DETAIL_SIZE, leading=17),
    }


class _Title(Flowable):  # type: ignore[misc]  # reportlab ships no type stubs
    """The letter type, centred and letter-spaced like a printed form's heading."""

    def __init__(self, text: str, font: str) -> None:
        super().__init__()
        self.text, self.font = text, font
        self.size = fit_font_size(text, font, 22, L.TEXT_WIDTH * 0.8)

    def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.size * 1.9

    def draw(self) -> None:
        self.canv.setFont(self.font, self.size)
        self.canv.drawCentredString(
            self.width / 2, self.size * 0.6, self.text, charSpace=self.size * 0.3
        )


class SignatureZone(Flowable):  # type: ignore[misc]  # reportlab ships no type stubs
    """Firm name and date at a fixed spot on the last page, with room for the seal over them.

    It claims all space down to the frame's bottom, so it always lands at the same place
    (see letter_layout.SEAL_BOX); if less than its height is left, it moves to a new page.
    """

    def __init__(self, firm_name: str, date_text: str, font: str) -> None:
        super().__init__()
        self.firm_name, self.date_text, self.font = firm_name, date_text, font
        self.alone = False

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        # A whole empty later-page frame means the zone was pushed onto a page of its own.
        self.alone = avail_height >= L.LATER_FRAME_TOP - L.FRAME_BOTTOM - 1
        return avail_width, max(avail_height, L.SIGNATURE_ZONE_HEIGHT)

    def split(self, _avail_width: float, _avail_height: float) -> list[Any]:
        return []  # never split: move whole to the next page

    def draw(self) -> None:
        canv = self.canv
        # Work in page coordinates so the layout matches SEAL_BOX whatever the frame did.
        origin_x, origin_y = canv.absolutePosition(0, 0)
        canv.saveState()
        canv.translate(-origin_x, -origin_y)
        for text, size, baseline in (
            (self.firm_name, 14.0, L.SIGNATURE_NAME_BASELINE),
            (self.date_text, 14.0, L.SIGNATURE_DATE_BASELINE),
        ):
            size = fit_font_size(text, self.font, size, L.TEXT_WIDTH * 0.6)
            canv.setFont(self.font, size)
            half = canv.stringWidth(text, self.font, size) / 2
            # Centred under the seal, but never past the right margin for long firm names.
            centre = min(L.SEAL_CENTRE_X, L.TEXT_RIGHT - half)
            canv.drawCentredString(centre, baseline, text)
        if self.alone:
            # Chinese legal practice: a page carrying only the signature says so, so no
            # text can be slipped onto it later.
            canv.setFont(self.font, 12)
            canv.drawString(L.MARGIN_X, L.LATER_FRAME_TOP - 16, "（此页无正文）")
        canv.restoreState()


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    # Lawyers type free text; "<" or "&" must print as themselves, not as markup.
    return Paragraph(escape(text), style)


def body_paragraphs(body: str) -> list[str]:
    """Split free text into paragraphs: one per non-blank line, typed indentation removed."""
    lines = (line.replace("\t", " ").strip(" \u3000\r") for line in body.splitlines())
    return [line for line in lines if line]


def _details(letter: LetterContent, styles: dict[str, ParagraphStyle]) -> Table:
    label, value = styles["label"], styles["value"]
    rows: list[list[Paragraph | str]] = [
        [
            _para("委托人：", label),
            _para(letter.client_name, value),
            _para("案由：", label),
            _para(letter.cause_of_action, value),
        ],
        [
            _para("事项：", label),
            _para(letter.matter, value),
            _para("案件流水号：", label),
            _para(letter.case_serial_no, value),
        ],
    ]
    for index, (name, licence_no) in enumerate(letter.lawyers):
        rows.append(
            [
                _para("承办律师：" if index == 0 else "", label),
                _para(name, value),
                _para("执业证号：", label),
                _para(licence_no, value),
            ]
        )
    label_w = DETAIL_SIZE * 5.6
    label2_w = DETAIL_SIZE * 6.6
    value_w = (L.TEXT_WIDTH - label_w - label2_w) / 2
    table = Table(rows, colWidths=[label_w, value_w, label2_w, value_w], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                # Table sets its cell font even for Paragraph cells; the default would pull in
                # an unembedded Helvetica.
                ("FONT", (0, 0), (-1, -1), styles["value"].fontName, DETAIL_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, FIRM_RED),
                ("TOPPADDING", (0, 0), (-1, 0), 8),
            ]
        )
    )
    return table


def build_story(letter: LetterContent, firm: FirmInfo, font: str) -> list[Flowable]:
    """Return the flowables of the letter, in reading order."""
    styles = _styles(font)
    story: list[Flowable] = [_Title(letter.letter_type, font)]
    # A preview keeps the number's line empty so it breaks pages exactly like the final letter.
    if letter.number:
        story.append(_para(letter.number, styles["number"]))
    else:
        story.append(Spacer(1, styles["number"].leading))
    story += [Spacer(1, 10), _para(f"致：{letter.recipient_org}：", styles["salutation"])]
    story += [_para(text, styles["body"]) for text in body_paragraphs(letter.body)]
    story += [Spacer(1, 14), _details(letter, styles), Spacer(1, 6)]
    story.append(SignatureZone(firm.name, format_letter_date(letter.letter_date), font))
    return story
