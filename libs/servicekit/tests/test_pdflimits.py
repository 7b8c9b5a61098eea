"""The shared PDF limits: page sizes, and tools run under time and memory caps."""

from __future__ import annotations

import sys
import time
import zlib
from pathlib import Path

import pytest
from servicekit.pdflimits import (
    PDF_LIMITS,
    PdfLimitExceeded,
    PdfLimits,
    PdfWorkerFailed,
    PdfWorkerLost,
    checked_page_count,
    page_too_large,
    run_bounded,
    run_bounded_sync,
    run_limited,
)
from servicekit.testing import raw_pdf

sys.path.insert(0, str(Path(__file__).parent))  # the children's targets sit beside this file
import pdf_targets


def test_page_sizes_beyond_the_limit_or_scaled_by_user_unit_are_too_large() -> None:
    assert not page_too_large(595.28, 841.89)  # A4
    assert not page_too_large(2384, 3370)  # A0
    assert page_too_large(14_400, 14_400)
    assert page_too_large(600, 600, 10.0)  # /UserUnit 10: a 6,000 pt page
    assert page_too_large(600, 600, 0.0) and page_too_large(600, 600, -1.0)
    assert page_too_large(float("inf"), 10) and page_too_large(float("nan"), 10)


async def test_a_tool_that_runs_too_long_is_killed() -> None:
    limits = PdfLimits(timeout_s=0.5)
    with pytest.raises(PdfLimitExceeded) as exc:
        await run_bounded([sys.executable, "-c", "import time; time.sleep(30)"], limits=limits)
    assert exc.value.reason == "timeout"
    with pytest.raises(PdfLimitExceeded):
        run_bounded_sync([sys.executable, "-c", "import time; time.sleep(30)"], limits=limits)


async def test_a_tool_that_allocates_past_the_memory_cap_fails() -> None:
    limits = PdfLimits(memory_bytes=256 * 1024 * 1024)
    grab = "b = bytearray(600 * 1024 * 1024); print(len(b))"
    code, out, _ = await run_bounded([sys.executable, "-c", grab], limits=limits)
    assert code != 0 and out == b""
    code, out, _ = await run_bounded([sys.executable, "-c", "print(1)"], stdin=b"x")
    assert code == 0 and out.strip() == b"1"
    assert PDF_LIMITS.memory_bytes >= 512 * 1024 * 1024


# ---- in-process parsers run in a bounded child -----------------------------------------


def _one_page(page_extra: bytes = b"", contents: bytes | None = None) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        + page_extra
        + (b" /Contents 4 0 R" if contents is not None else b"")
        + b" >>",
    ]
    if contents is not None:
        objects.append(contents)
    return raw_pdf(objects)


def huge_page_pdf() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /UserUnit 10 >>",
        ]
    )


def nested_pdf(depth: int = 200_000) -> bytes:
    return _one_page(b" /Deep " + b"[" * depth + b"]" * depth)


def bomb_pdf(decoded_mb: int = 900) -> bytes:
    packed = zlib.compress(b"\0" * (decoded_mb * 1024 * 1024), 9)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
    return _one_page(contents=stream + packed + b"\nendstream")


LOW = PdfLimits(timeout_s=15, cpu_s=15, memory_bytes=384 * 1024 * 1024)


def test_a_normal_pdf_is_read_in_a_bounded_child() -> None:
    assert run_limited(checked_page_count, _one_page()) == 1
    assert run_limited(pdf_targets.read_every_page, _one_page(), limits=LOW) == 1


def test_a_huge_page_or_user_unit_is_refused() -> None:
    with pytest.raises(PdfLimitExceeded) as exc:
        run_limited(checked_page_count, huge_page_pdf())
    assert exc.value.reason == "page_too_large"


@pytest.mark.parametrize("hostile", [nested_pdf, bomb_pdf], ids=["nested", "bomb"])
def test_hostile_pdfs_end_in_a_stable_refusal_and_the_next_parse_still_works(hostile) -> None:
    data = hostile()
    with pytest.raises(PdfLimitExceeded) as exc:
        run_limited(pdf_targets.read_every_page, data, limits=LOW)
    # a stable reason, never the parser's own text
    assert exc.value.reason in {"memory_limit", "nesting_limit", "timeout", "parser_error"}
    assert str(exc.value) == exc.value.reason
    assert run_limited(pdf_targets.read_every_page, _one_page(), limits=LOW) == 1


def test_a_parse_that_runs_too_long_is_ended() -> None:
    with pytest.raises(PdfLimitExceeded) as exc:
        run_limited(time.sleep, 60, limits=PdfLimits(timeout_s=0.5))
    assert exc.value.reason == "timeout"


def test_a_child_ended_from_outside_is_retried_once(tmp_path) -> None:
    marker = str(tmp_path / "ended")
    assert run_limited(pdf_targets.ended_from_outside_first, marker, 7) == 7


def test_a_child_lost_twice_is_not_the_pdfs_fault() -> None:
    with pytest.raises(PdfWorkerLost) as exc:
        run_limited(pdf_targets.status_lost)
    assert exc.value.exitcode == 255


def test_a_child_that_crashes_by_itself_is_a_failure_of_the_input() -> None:
    with pytest.raises(PdfWorkerFailed) as exc:
        run_limited(pdf_targets.crash)
    assert not isinstance(exc.value, PdfWorkerLost)
    assert exc.value.reason == "worker_crashed"
