"""Case serial numbers (案件流水号): the case's number in the firm's OA system."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from servicekit.domain import DomainError

DEFAULT_CASE_SERIAL_PATTERN: Final = r"^[A-Z0-9][A-Z0-9-]{5,39}$"


class CaseSerialInvalid(DomainError, ValueError):
    """The case serial number does not match the firm's configured format.

    Also a ValueError: a settings or request validator that meets it reports a bad value.
    """

    code = "case_serial_invalid"
    status_code = 422
    message_zh = "案件流水号格式不正确"
    message_en = "The case serial number does not match the firm's format"

    def __init__(self, value: str, pattern: str) -> None:
        super().__init__(details={"value": value, "pattern": pattern})
        self.value = value
        self.pattern = pattern

    def __str__(self) -> str:
        return f"case serial number {self.value!r} does not match {self.pattern}"


def compile_case_serial_pattern(pattern: str = DEFAULT_CASE_SERIAL_PATTERN) -> re.Pattern[str]:
    """Compile the configured pattern, raising ValueError at settings time if it is broken."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"case serial pattern {pattern!r} is not a valid regex: {exc}") from exc


def normalize_case_serial(
    raw: str, *, pattern: str | re.Pattern[str] = DEFAULT_CASE_SERIAL_PATTERN
) -> str:
    """Return the canonical (trimmed, half-width, upper-case) serial, or raise CaseSerialInvalid."""
    compiled = compile_case_serial_pattern(pattern) if isinstance(pattern, str) else pattern
    # Chinese input methods often type full-width letters, digits and hyphens (Ａ１－２);
    # NFKC folds them to ASCII so a lawyer's copy of the OA number still matches.
    value = unicodedata.normalize("NFKC", raw).strip().upper()
    if compiled.fullmatch(value) is None:
        raise CaseSerialInvalid(raw, compiled.pattern)
    return value
