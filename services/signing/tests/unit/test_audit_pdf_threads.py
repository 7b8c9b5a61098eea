"""Audit-trail PDFs are drawn off the event loop, several at once, each with its own text."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from pypdf import PdfReader
from signing.adapters.audit_pdf import AuditLine, render_audit_pdf

THREADS = 6
ROUNDS = 3


def _audit(i: int) -> bytes:
    # each trail prints its own slice of CJK glyphs, so each needs its own font subset
    detail = "".join(chr(0x4E00 + j) for j in range(i * 600, (i + 1) * 600, 3))
    line = AuditLine(
        at="2026-01-01T00:00:00", actor=f"签署人{i}", action="signed", ip="-", detail=detail
    )
    return render_audit_pdf(title=f"Audit trail {i}", header=[f"信封 Envelope {i}"], lines=[line])


def test_audit_trails_drawn_in_parallel_each_carry_their_own_text(
    eager_thread_switches: None,
) -> None:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for _ in range(ROUNDS):
            for i, pdf in enumerate(pool.map(_audit, range(THREADS))):
                text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
                assert f"Envelope{i}" in text and f"签署人{i}" in text
