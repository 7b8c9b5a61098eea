"""Letter numbers (函号): pattern validation and formatting, plus the letter-type catalogue.

Sequences are per (year, letter type code) and are allocated gaplessly by the service
layer in the database; this module only turns an allocated sequence into the printed
number, so it stays pure and trivially testable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Final

from servicekit.domain import DomainError

DEFAULT_NUMBER_PATTERN: Final = "（{year}）{prefix}{type_code}字第{seq:04d}号"

PLACEHOLDERS: Final = frozenset({"year", "seq", "type_code", "prefix"})
# Without these a number would repeat across years or letter types, because the
# sequence restarts for each (year, type) pair.
REQUIRED_PLACEHOLDERS: Final = frozenset({"year", "seq", "type_code"})

_SAMPLE: Final = {"year": 2026, "seq": 1, "type_code": "函", "prefix": "某律"}


class NumberPatternError(ValueError):
    """The configured letter-number pattern cannot produce unique, well-formed numbers."""

    code = "letter_number_pattern_invalid"
    status_code = 422


class LetterTypeError(DomainError, ValueError):
    """A letter type is unknown or the letter-type catalogue is inconsistent.

    Also a ValueError: the settings validator reports a broken catalogue as a bad value.
    The reason is the error's details.
    """

    code = "letter_type_invalid"
    status_code = 422
    message_zh = "函件类型不存在"
    message_en = "Unknown letter type"

    def __init__(self, reason: str) -> None:
        super().__init__(details=reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True, slots=True)
class LetterTypeConfig:
    """One kind of firm letter; ``code`` is the stable key and the character in its number."""

    code: str
    name_zh: str
    name_en: str
    # the firm's seal is also cut across every page's right edge (骑缝章) when it is sealed
    cross_page_seal: bool = False


DEFAULT_LETTER_TYPES: Final[tuple[LetterTypeConfig, ...]] = (
    LetterTypeConfig(code="函", name_zh="律师事务所函", name_en="Law firm letter"),
    LetterTypeConfig(code="会", name_zh="会见函", name_en="Detainee meeting letter"),
    LetterTypeConfig(code="调", name_zh="调查函", name_en="Evidence investigation letter"),
)


def validate_pattern(pattern: str) -> str:
    """Return the pattern unchanged, or raise NumberPatternError explaining what is wrong."""
    try:
        parsed = list(Formatter().parse(pattern))
    except ValueError as exc:  # unbalanced braces
        raise NumberPatternError(f"letter number pattern {pattern!r}: {exc}") from exc
    seen: set[str] = set()
    for _literal, field, _spec, conversion in parsed:
        if field is None:
            continue
        # Attribute/index access ({year.real}, {prefix[0]}) would let settings reach into
        # objects; only bare, known names are allowed.
        if field not in PLACEHOLDERS:
            allowed = ", ".join("{" + name + "}" for name in sorted(PLACEHOLDERS))
            raise NumberPatternError(
                f"letter number pattern {pattern!r}: unknown placeholder {{{field}}}; "
                f"allowed: {allowed}"
            )
        if conversion is not None:
            raise NumberPatternError(
                f"letter number pattern {pattern!r}: conversions like !{conversion} are not allowed"
            )
        seen.add(field)
    missing = REQUIRED_PLACEHOLDERS - seen
    if missing:
        names = ", ".join("{" + name + "}" for name in sorted(missing))
        raise NumberPatternError(
            f"letter number pattern {pattern!r} must contain {names}, "
            "otherwise numbers repeat across years or letter types"
        )
    try:
        pattern.format(**_SAMPLE)
    except (ValueError, TypeError) as exc:  # bad format spec such as {seq:x4q}
        raise NumberPatternError(f"letter number pattern {pattern!r}: {exc}") from exc
    return pattern


def format_number(pattern: str, *, year: int, seq: int, type_code: str, prefix: str) -> str:
    """Format an allocated sequence as the printed letter number."""
    validate_pattern(pattern)
    if seq < 1:
        raise ValueError(f"letter sequence must be >= 1, got {seq}")
    if not 1900 <= year <= 9999:
        raise ValueError(f"letter year out of range: {year}")
    return pattern.format(year=year, seq=seq, type_code=type_code, prefix=prefix)


def validate_letter_types(types: Iterable[LetterTypeConfig]) -> tuple[LetterTypeConfig, ...]:
    """Return the catalogue as a tuple, or raise LetterTypeError if codes are empty or repeat."""
    catalogue = tuple(types)
    if not catalogue:
        raise LetterTypeError("at least one letter type must be configured")
    codes: set[str] = set()
    for item in catalogue:
        if not item.code.strip() or not item.name_zh.strip():
            raise LetterTypeError(f"letter type needs a code and a Chinese name: {item!r}")
        if item.code in codes:
            raise LetterTypeError(f"letter type code {item.code!r} is configured twice")
        if not isinstance(item.cross_page_seal, bool):
            raise LetterTypeError(f"letter type {item.code!r}: cross_page_seal must be true/false")
        codes.add(item.code)
    return catalogue


def letter_type_by_code(
    code: str, types: Sequence[LetterTypeConfig] = DEFAULT_LETTER_TYPES
) -> LetterTypeConfig:
    """Return the configured letter type with this code, or raise LetterTypeError."""
    for item in types:
        if item.code == code:
            return item
    known = ", ".join(item.code for item in types)
    raise LetterTypeError(f"unknown letter type code {code!r}; configured: {known}")
