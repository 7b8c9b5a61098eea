"""Render an envelope's audit trail as an A4 PDF/A-2b with an embedded CJK font (reportlab)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pades.seals import DEFAULT_FONT
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from servicekit.pdfa import REPORTLAB_LOCK, to_pdfa2b

FONT = "WQYMicroHei"
# where the platform's signature goes on the first page (clear of any QR corner)
SIGNATURE_BOX = (430.0, 740.0, 530.0, 820.0)


@dataclass(frozen=True)
class AuditLine:
    """One audit-trail entry as printed."""

    at: str
    actor: str
    action: str
    ip: str
    detail: str


@lru_cache(maxsize=1)
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(DEFAULT_FONT), subfontIndex=0))
    return FONT


def _printable(text: str, font: str) -> str:
    # A character the font lacks would print as the .notdef box (and PDF/A forbids showing
    # .notdef): an audit detail may hold any character, so it is written as its code point.
    cmap: dict[int, int] = pdfmetrics.getFont(font).face.charToGlyph
    return "".join(
        c if ord(c) in cmap or not c.isprintable() or c.isspace() else f"<U+{ord(c):04X}>"
        for c in text
    )


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def render_audit_pdf(*, title: str, header: Sequence[str], lines: Sequence[AuditLine]) -> bytes:
    """Return the audit-trail PDF/A-2b: a header block, then one entry per audit row."""
    with REPORTLAB_LOCK:
        pdf = _draw(title=title, header=header, lines=lines)
    return to_pdfa2b(pdf)


def _draw(*, title: str, header: Sequence[str], lines: Sequence[AuditLine]) -> bytes:
    font = _font()
    buf = io.BytesIO()
    # initialFontName: otherwise every page also selects reportlab's unembedded Helvetica.
    canvas = Canvas(buf, pagesize=A4, initialFontName=font, initialFontSize=10)
    canvas.setTitle(title)
    canvas.setCreator("lexseal")
    canvas.setAuthor("lexseal")
    _, height = A4
    y = height - 60

    def newline(step: float = 14) -> None:
        nonlocal y
        y -= step
        if y < 60:
            canvas.showPage()
            y = height - 60

    canvas.setFont(font, 16)
    canvas.drawString(50, y, "签署审计记录 Audit trail")
    newline(24)
    canvas.setFont(font, 10)
    for text in header:
        for part in _wrap(_printable(text, font), 60):
            canvas.drawString(50, y, part)
            newline()
    newline(8)
    for line in lines:
        canvas.setFont(font, 9)
        summary = f"{line.at}  {line.action}  {line.actor}  IP {line.ip}"
        canvas.drawString(50, y, _printable(summary, font))
        newline(12)
        canvas.setFont(font, 8)
        for part in _wrap(_printable(line.detail, font), 95):
            canvas.drawString(62, y, part)
            newline(11)
        newline(4)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
