"""Case serial numbers (案件流水号) from the firm's OA system."""

from __future__ import annotations

import pytest
from letters.domain.case_serial import (
    CaseSerialInvalid,
    compile_case_serial_pattern,
    normalize_case_serial,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MS-2026-000123", "MS-2026-000123"),
        ("  ms-2026-000123 ", "MS-2026-000123"),
        ("ＭＳ－２０２６－０００１２３", "MS-2026-000123"),  # typed with a Chinese IME
        ("202600001", "202600001"),
    ],
)
def test_valid_serials_are_normalised(raw: str, expected: str) -> None:
    assert normalize_case_serial(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ABC12",
        "-MS2026001",
        "MS 2026 0001",
        "MS_2026_0001",
        "案件2026001",
        "A" * 41,
        "MS-2026-000123\nX",
    ],
)
def test_invalid_serials_raise_a_stable_code(raw: str) -> None:
    with pytest.raises(CaseSerialInvalid) as info:
        normalize_case_serial(raw)
    assert info.value.code == "case_serial_invalid"
    assert isinstance(info.value, ValueError)
    assert info.value.value == raw


def test_firm_specific_pattern() -> None:
    pattern = compile_case_serial_pattern(r"^\d{4}[A-Z]{2}\d{4}$")
    assert normalize_case_serial("2026ms0001", pattern=pattern) == "2026MS0001"
    with pytest.raises(CaseSerialInvalid):
        normalize_case_serial("MS-2026-000123", pattern=pattern)
    assert normalize_case_serial("2026ms0001", pattern=r"^\d{4}[A-Z]{2}\d{4}$") == "2026MS0001"


def test_broken_regex_fails_at_settings_time() -> None:
    with pytest.raises(ValueError, match="not a valid regex"):
        compile_case_serial_pattern("^[A-Z")
