"""Plain factory functions for test documents."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def make_contract_pdf(*, pages: int = 3, title: str = "Service Agreement") -> bytes:
    """Build an unsigned A4 contract with a few pages of text."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    _, height = A4
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica-Bold", 16)
        canvas.drawString(72, height - 72, f"{title} - page {number}")
        canvas.setFont("Helvetica", 11)
        for line in range(30):
            canvas.drawString(
                72,
                height - 110 - 18 * line,
                f"Clause {number}.{line + 1}: the parties agree to term {line}.",
            )
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
