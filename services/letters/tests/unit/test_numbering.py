"""Letter numbers: formatting and pattern validation."""

from __future__ import annotations

import pytest
from letters.domain.numbering import (
    DEFAULT_LETTER_TYPES,
    DEFAULT_NUMBER_PATTERN,
    LetterTypeConfig,
    LetterTypeError,
    NumberPatternError,
    format_number,
    letter_type_by_code,
    validate_letter_types,
    validate_pattern,
)


def test_default_pattern_gives_the_familiar_number() -> None:
    number = format_number(DEFAULT_NUMBER_PATTERN, year=2026, seq=1, type_code="函", prefix="某律")
    assert number == "（2026）某律函字第0001号"


def test_each_letter_type_gets_its_own_character() -> None:
    numbers = {
        t.code: format_number(
            DEFAULT_NUMBER_PATTERN, year=2026, seq=7, type_code=t.code, prefix="京某律"
        )
        for t in DEFAULT_LETTER_TYPES
    }
    assert numbers == {
        "函": "（2026）京某律函字第0007号",
        "会": "（2026）京某律会字第0007号",
        "调": "（2026）京某律调字第0007号",
    }


def test_sequence_past_padding_keeps_all_digits() -> None:
    number = format_number(DEFAULT_NUMBER_PATTERN, year=2026, seq=12345, type_code="函", prefix="")
    assert number == "（2026）函字第12345号"


def test_custom_pattern_without_prefix() -> None:
    pattern = "{year}-{type_code}-{seq:05d}"
    assert (
        format_number(pattern, year=2027, seq=42, type_code="调", prefix="ignored")
        == "2027-调-00042"
    )


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("（{year}）{firm}{type_code}字第{seq}号", "unknown placeholder {firm}"),
        ("{year.real}{type_code}{seq}", "unknown placeholder {year.real}"),
        ("{prefix[0]}{year}{type_code}{seq}", "unknown placeholder {prefix[0]}"),
        ("{year}{type_code}{seq!r}", "conversions"),
        ("（{year}）{type_code}字第号", "must contain {seq}"),
        ("{type_code}字第{seq:04d}号", "must contain {year}"),
        ("（{year}）字第{seq:04d}号", "must contain {type_code}"),
        ("{year}{type_code}{seq:q}", "Unknown format code"),
        ("{year}{type_code}{seq", "expected '}'"),
        ("{year}{type_code}{}", "unknown placeholder {}"),
    ],
)
def test_bad_patterns_are_refused_with_a_clear_reason(pattern: str, fragment: str) -> None:
    with pytest.raises(NumberPatternError) as info:
        validate_pattern(pattern)
    assert fragment in str(info.value)
    assert info.value.code == "letter_number_pattern_invalid"


def test_validate_pattern_returns_a_good_pattern_unchanged() -> None:
    assert validate_pattern(DEFAULT_NUMBER_PATTERN) == DEFAULT_NUMBER_PATTERN


@pytest.mark.parametrize(("year", "seq"), [(2026, 0), (2026, -1), (26, 1)])
def test_impossible_sequence_or_year_is_refused(year: int, seq: int) -> None:
    with pytest.raises(ValueError):
        format_number(DEFAULT_NUMBER_PATTERN, year=year, seq=seq, type_code="函", prefix="")


def test_default_letter_types_are_data() -> None:
    assert [(t.code, t.name_zh) for t in DEFAULT_LETTER_TYPES] == [
        ("函", "律师事务所函"),
        ("会", "会见函"),
        ("调", "调查函"),
    ]
    assert validate_letter_types(DEFAULT_LETTER_TYPES) == DEFAULT_LETTER_TYPES
    assert letter_type_by_code("会").name_en


def test_a_firm_can_configure_its_own_types() -> None:
    types = validate_letter_types([LetterTypeConfig("证", "取证函", "Evidence letter")])
    assert letter_type_by_code("证", types).name_zh == "取证函"
    with pytest.raises(LetterTypeError):
        letter_type_by_code("函", types)


@pytest.mark.parametrize(
    "types",
    [
        [],
        [LetterTypeConfig("函", "律师事务所函", "a"), LetterTypeConfig("函", "另一种函", "b")],
        [LetterTypeConfig(" ", "空代码", "blank")],
    ],
)
def test_inconsistent_catalogue_is_refused(types: list[LetterTypeConfig]) -> None:
    with pytest.raises(LetterTypeError):
        validate_letter_types(types)
