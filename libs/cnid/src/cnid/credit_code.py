"""GB 32100-2015 unified social credit codes (18 characters, MOD 31)."""

import re

from cnid._text import clean
from cnid.errors import InvalidIdentifier

# The 31-character alphabet leaves out I, O, Z, S and V (easily misread).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority, organisation type, six-digit region, nine-character body, check.
_FORMAT = re.compile(rf"[{ALPHABET}]{{2}}\d{{6}}[{ALPHABET}]{{10}}")


def credit_code_check_char(body: str) -> str:
    """Return the MOD 31 check character for the first 17 characters."""
    if len(body) != 17 or any(c not in _VALUES for c in body):
        raise InvalidIdentifier(
            "credit_code_format", "the body must be 17 characters of the GB 32100 alphabet"
        )
    total = sum(_VALUES[c] * w for c, w in zip(body, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the normalised 18-character credit code or raise InvalidIdentifier."""
    code = clean(value)
    if not _FORMAT.fullmatch(code):
        raise InvalidIdentifier(
            "credit_code_format",
            "a unified social credit code is 18 characters of digits and capital letters "
            "other than I, O, Z, S and V",
        )
    # The embedded GB 11714 organisation code is not checked: codes issued to
    # individual businesses do not always satisfy it, and the MOD 31 check covers typos.
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier("credit_code_checksum", "the check character does not match")
    return code


def make_credit_code(*, body: str = "91110108MA01ABCD1") -> str:
    """Build a checksum-valid credit code for tests and demos from a 17-character body."""
    body = clean(body)
    if not _FORMAT.fullmatch(body + "0"):
        raise ValueError("body must be 17 characters in the GB 32100 layout")
    return body + credit_code_check_char(body)
