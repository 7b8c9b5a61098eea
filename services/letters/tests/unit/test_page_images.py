"""Page counts, the page-image cache and pdftoppm's limits, without a database."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from letters.adapters.page_cache import PageImageCache
from letters.adapters.page_count import count_pages
from letters.adapters.previews import PreviewUnavailable, page_png
from letters.adapters.tables import Letter
from letters.config import Settings
from letters.entrypoints.share_page import render_share_page
from servicekit.testing import missing_tool

SHA = "ab" * 32


def test_pages_are_counted_and_a_damaged_pdf_has_no_count(
    letter_pdf: bytes, long_letter_pdf: bytes, pdf_text: Callable[..., str]
) -> None:
    assert count_pages(letter_pdf) == 1
    # the renderer's own footer (第1页/共N页) says how many pages it laid out
    footer = re.search(r"共(\d+)页", pdf_text(long_letter_pdf, page=1).replace(" ", ""))
    assert footer and count_pages(long_letter_pdf) == int(footer.group(1)) > 1
    assert count_pages(b"%PDF-1.7 not really\n%%EOF\n") is None
    assert count_pages(b"") is None


def test_cache_keys_by_hash_page_and_dpi(tmp_path: Path) -> None:
    cache = PageImageCache(tmp_path / "pages", max_bytes=1_000_000)
    assert cache.get(sha256=SHA, page=1, dpi=100) is None
    cache.put(sha256=SHA, page=1, dpi=100, png=b"one")
    assert cache.get(sha256=SHA, page=1, dpi=100) == b"one"
    assert cache.get(sha256=SHA, page=2, dpi=100) is None
    assert cache.get(sha256=SHA, page=1, dpi=150) is None
    with pytest.raises(ValueError):
        cache.path(sha256="../../etc/passwd", page=1, dpi=100)


def test_cache_drops_the_least_recently_used_images_past_its_cap(tmp_path: Path) -> None:
    cache = PageImageCache(tmp_path, max_bytes=250)
    for page in (1, 2):
        cache.put(sha256=SHA, page=page, dpi=100, png=b"x" * 100)
        os.utime(cache.path(sha256=SHA, page=page, dpi=100), (page, page))
    assert cache.get(sha256=SHA, page=1, dpi=100)  # page 1 is now the most recently used
    cache.put(sha256=SHA, page=3, dpi=100, png=b"x" * 100)
    kept = [p for p in (1, 2, 3) if cache.get(sha256=SHA, page=p, dpi=100)]
    assert kept == [1, 3]


def test_a_cache_that_cannot_write_costs_only_a_rerender(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    cache = PageImageCache(blocker, max_bytes=1_000_000)
    cache.put(sha256=SHA, page=1, dpi=100, png=b"png")  # logs, does not raise
    assert cache.get(sha256=SHA, page=1, dpi=100) is None


async def test_pdftoppm_is_stopped_past_its_time_and_refuses_odd_resolutions(
    letter_pdf: bytes,
) -> None:
    if shutil.which("pdftoppm") is None:
        missing_tool("pdftoppm not installed (Debian: poppler-utils)")
    png = await page_png(letter_pdf, page=1, dpi=50)
    assert png.startswith(b"\x89PNG")
    with pytest.raises(PreviewUnavailable, match="longer than"):
        await page_png(letter_pdf, page=1, dpi=100, timeout_s=1e-6)
    with pytest.raises(PreviewUnavailable, match="dpi"):
        await page_png(letter_pdf, page=1, dpi=2400)
    with pytest.raises(ValueError, match="preview_dpi"):
        Settings(preview_dpi=2400)


def _letter() -> Letter:
    return Letter(
        kind="electronic",
        case_serial_no="MS-2026-000123",
        cause_of_action="民间借贷纠纷",
        letter_type="函",
        recipient_org="北京市朝阳区人民法院",
        letter_date=date(2026, 11, 29),
        number="（2026）某律函字第0001号",
    )


def test_share_page_shows_page_images_and_keeps_the_download_link() -> None:
    urls = [
        "https://x/api/letters/share/t/pages/1.png",
        "https://x/api/letters/share/t/pages/2.png",
    ]
    html = render_share_page(_letter(), firm_name="某所", pdf_url="https://x/d.pdf", page_urls=urls)
    assert html.count('<img class="page"') == 2 and "<embed" not in html
    assert 'alt="第 2 页，共 2 页"' in html
    assert 'href="https://x/d.pdf" download' in html
    # without a page count (an unreadable sealed PDF) the page falls back to the PDF itself
    fallback = render_share_page(_letter(), firm_name="某所", pdf_url="https://x/d.pdf")
    assert '<embed src="https://x/d.pdf"' in fallback and "<img" not in fallback


def test_counting_pages_runs_under_the_shared_pdf_limits(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # a page of 14,400 pt scaled by /UserUnit 10 is refused, not counted
    import io

    import servicekit.pdflimits
    from pypdf import PdfWriter
    from pypdf.generic import FloatObject, NameObject
    from servicekit.pdflimits import PdfLimits

    writer = PdfWriter()
    writer.add_blank_page(600, 600)
    page = writer.add_blank_page(14_400, 14_400)
    page[NameObject("/UserUnit")] = FloatObject(10)
    out = io.BytesIO()
    writer.write(out)
    assert count_pages(out.getvalue()) is None
    # bounded for real: with a time limit no parse can meet, the count is given up
    monkeypatch.setattr(servicekit.pdflimits, "PDF_LIMITS", PdfLimits(timeout_s=0.001))
    assert count_pages(b"%PDF-1.7\n%%EOF\n") is None
