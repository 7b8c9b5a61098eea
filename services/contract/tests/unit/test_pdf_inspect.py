import hashlib
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from contract.adapters.pdf_inspect import PageSize, PdfInspection, PdfRejected, inspect_pdf

sys.path.insert(0, str(Path(__file__).parent))  # pdf_factory sits beside this file
import pdf_factory as pdfs

A4 = PageSize(595.28, 841.89)


def inspect(data: bytes, **overrides: Any) -> PdfInspection:
    limits: dict[str, Any] = {"max_bytes": 20_000_000, "max_pages": 200} | overrides
    return inspect_pdf(data, **limits)


def rejection(data: bytes, **overrides: Any) -> PdfRejected:
    with pytest.raises(PdfRejected) as caught:
        inspect(data, **overrides)
    return caught.value


def test_accepts_a_born_digital_contract_and_describes_it() -> None:
    data = pdfs.text_pdf(pages=3)
    result = inspect(data)
    assert result.page_count == 3
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert result.pdf_version == "1.3"  # what reportlab writes in the header
    assert result.page_sizes == [A4] * 3
    assert result.has_text == [True, True, True]
    assert result.scan_suspect_pages == []


def test_accepts_chinese_text() -> None:
    result = inspect(pdfs.text_pdf(pages=1, text=pdfs.CHINESE_TEXT))
    assert result.has_text == [True]
    assert result.scan_suspect_pages == []


def test_reports_displayed_size_of_rotated_pages() -> None:
    result = inspect(pdfs.with_page_rotation(pdfs.text_pdf(pages=1), degrees=90))
    assert result.page_sizes == [PageSize(A4.height, A4.width)]


def test_a_newer_catalog_version_wins_over_the_header() -> None:
    data = pdfs.raw_pdf(
        [
            b"<< /Type /Catalog /Version /2.0 /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 300] >>",
        ],
        version=b"1.4",
    )
    result = inspect(data)
    assert result.pdf_version == "2.0"
    assert result.page_sizes == [PageSize(200, 300)]
    assert result.has_text == [False]


def test_flags_every_page_of_a_scanned_paper_contract() -> None:
    result = inspect(pdfs.scanned_pdf(pages=3))
    assert result.page_count == 3
    assert result.scan_suspect_pages == [1, 2, 3]
    assert result.has_text == [False, False, False]


def test_flags_only_the_scanned_pages_of_a_mixed_document() -> None:
    result = inspect(pdfs.mixed_pdf(kinds=["text", "scan", "text", "scan"]))
    assert result.scan_suspect_pages == [2, 4]
    assert result.has_text == [True, False, True, False]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: pdfs.scanned_pdf(ocr_text="Party A agrees\n" * 40), id="ocr-layer"),
        pytest.param(lambda: pdfs.scanned_pdf(footer="Page 1 of 1"), id="tiny-footer"),
        pytest.param(lambda: pdfs.scanned_pdf(strips=5), id="image-in-strips"),
        pytest.param(lambda: pdfs.scanned_pdf(coverage=0.9), id="90-percent-image"),
    ],
)
def test_flags_scans_that_try_to_look_like_text(make: Callable[[], bytes]) -> None:
    assert inspect(make()).scan_suspect_pages == [1]


def test_an_ocr_layer_counts_as_text_but_not_as_a_real_page() -> None:
    result = inspect(pdfs.scanned_pdf(ocr_text="Party A agrees\n" * 40))
    assert result.has_text == [True]
    assert result.scan_suspect_pages == [1]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: pdfs.scanned_pdf(coverage=0.5), id="half-page-photo"),
        pytest.param(lambda: pdfs.mixed_pdf(kinds=["letterhead"]), id="letterhead-under-text"),
        pytest.param(lambda: pdfs.many_pages_pdf(2), id="blank-pages"),
    ],
)
def test_does_not_flag_pages_that_are_not_scans(make: Callable[[], bytes]) -> None:
    assert inspect(make()).scan_suspect_pages == []


def test_accepts_an_empty_signature_field_waiting_to_be_signed() -> None:
    assert inspect(pdfs.empty_signature_field_pdf()).page_count == 1


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: pdfs.not_a_pdf(kind="docx"), "not_a_pdf"),
        (lambda: pdfs.not_a_pdf(kind="png"), "not_a_pdf"),
        (lambda: pdfs.not_a_pdf(kind="text"), "not_a_pdf"),
        (lambda: b"junk" + pdfs.text_pdf(pages=1), "not_a_pdf"),
        (lambda: b"", "not_a_pdf"),
        (pdfs.truncated_pdf, "pdf_corrupt"),
        (lambda: b"%PDF-1.7\nthis is not a pdf body\n%%EOF\n", "pdf_corrupt"),
        (pdfs.no_pages_pdf, "pdf_corrupt"),
        (pdfs.encrypted_pdf, "pdf_encrypted"),
        (lambda: pdfs.encrypted_pdf(user_password="secret"), "pdf_encrypted"),
        (pdfs.certificate_encrypted_pdf, "pdf_encrypted"),
        (pdfs.signed_pdf, "pdf_already_signed"),
        (lambda: pdfs.javascript_pdf(where="open_action"), "pdf_javascript"),
        (lambda: pdfs.javascript_pdf(where="names"), "pdf_javascript"),
        (lambda: pdfs.javascript_pdf(where="link"), "pdf_javascript"),
        (lambda: pdfs.javascript_pdf(where="page_aa"), "pdf_javascript"),
        (lambda: pdfs.embedded_file_pdf(how="names"), "pdf_embedded_files"),
        (lambda: pdfs.embedded_file_pdf(how="annotation"), "pdf_embedded_files"),
        (lambda: pdfs.many_pages_pdf(201), "pdf_too_many_pages"),
        (pdfs.huge_page_pdf, "pdf_page_too_large"),
        (lambda: pdfs.huge_page_pdf(side=14_400, user_unit=None), "pdf_page_too_large"),
        (lambda: pdfs.huge_page_pdf(side=600, user_unit=10.0), "pdf_page_too_large"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_refuses_unacceptable_uploads_with_a_stable_code(
    make: Callable[[], bytes], code: str
) -> None:
    error = rejection(make())
    assert error.code == code
    assert error.message_zh
    assert error.message_en
    assert error.status_code == 422


def test_refuses_a_file_over_the_size_limit_before_parsing_it() -> None:
    data = pdfs.big_pdf(2_000_000)
    error = rejection(data, max_bytes=1_000_000)
    assert error.code == "pdf_too_large"
    assert error.status_code == 413
    assert error.details == {"size": len(data), "max_bytes": 1_000_000}
    assert inspect(data, max_bytes=len(data)).page_count == 1


def test_page_limit_is_inclusive() -> None:
    assert inspect(pdfs.many_pages_pdf(5), max_pages=5).page_count == 5
    assert rejection(pdfs.many_pages_pdf(6), max_pages=5).details["page_count"] == 6


def test_a_signed_pdf_is_refused_even_if_it_also_has_other_problems() -> None:
    error = rejection(pdfs.signed_pdf())
    assert error.code == "pdf_already_signed"
    assert "also" in error.details


def test_a_decompression_bomb_is_stopped_by_the_time_bound() -> None:
    started = time.monotonic()
    error = rejection(pdfs.decompression_bomb_pdf(), timeout_s=1.5)
    assert error.code == "pdf_timeout"
    assert time.monotonic() - started < 6


def test_a_decompression_bomb_is_stopped_by_the_memory_bound() -> None:
    started = time.monotonic()
    error = rejection(pdfs.decompression_bomb_pdf(), memory_mb=160, timeout_s=30)
    assert error.code == "pdf_corrupt"
    assert error.details["reason"] == "memory_limit"
    assert time.monotonic() - started < 10


def test_a_page_tree_bomb_is_stopped() -> None:
    started = time.monotonic()
    error = rejection(pdfs.page_tree_bomb_pdf(depth=40), timeout_s=5)
    assert error.code in ("pdf_corrupt", "pdf_timeout")
    assert time.monotonic() - started < 10


def test_concurrent_calls_from_threads_each_get_their_own_answer() -> None:
    uploads = [pdfs.text_pdf(pages=n) for n in (1, 2, 3, 4)] + [pdfs.scanned_pdf(pages=2)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(inspect, uploads))
    assert [r.page_count for r in results] == [1, 2, 3, 4, 2]
    assert [r.sha256 for r in results] == [hashlib.sha256(d).hexdigest() for d in uploads]
    assert results[-1].scan_suspect_pages == [1, 2]


def test_a_worker_ended_from_outside_is_retried_once(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import functools

    import worker_faults
    from contract.adapters import pdf_inspect_worker

    marker = str(tmp_path / "terminated")
    stand_in = functools.partial(worker_faults.terminated_once, marker=marker)
    monkeypatch.setattr(pdf_inspect_worker, "inspect_checked", stand_in)
    assert inspect(pdfs.text_pdf(pages=2)).page_count == 2
    assert (tmp_path / "terminated").exists()  # the first child was in fact ended


def test_a_worker_lost_twice_is_not_blamed_on_the_pdf(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import worker_faults
    from contract.adapters import pdf_inspect_worker
    from contract.adapters.pdf_inspect import PdfInspectionUnavailable

    monkeypatch.setattr(pdf_inspect_worker, "inspect_checked", worker_faults.status_lost)
    with pytest.raises(PdfInspectionUnavailable) as caught:
        inspect(pdfs.text_pdf())
    assert caught.value.exitcode == 255
