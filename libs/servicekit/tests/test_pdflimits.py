"""The shared PDF limits: page sizes, and tools run under time and memory caps."""

from __future__ import annotations

import sys

import pytest
from servicekit.pdflimits import (
    PDF_LIMITS,
    PdfLimitExceeded,
    PdfLimits,
    page_too_large,
    run_bounded,
    run_bounded_sync,
)


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
