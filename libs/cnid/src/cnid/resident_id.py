"""GB 11643-1999 citizen identity numbers (18 characters, ISO 7064 MOD 11-2)."""

import re
from datetime import date

from cnid._text import clean
from cnid.errors import InvalidIdentifier

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# First digit 0 is not an administrative region; the last char is the checksum.
_FORMAT = re.compile(r"[1-9]\d{16}[\dX]")
_EARLIEST_BIRTH = date(1900, 1, 1)


def resident_id_check_char(body: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise InvalidIdentifier("resident_id_format", "the body must be 17 digits")
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    """Return the normalised 18-character resident ID number or raise InvalidIdentifier."""
    number = clean(value)
    if not _FORMAT.fullmatch(number):
        raise InvalidIdentifier(
            "resident_id_format", "a resident ID number is 17 digits followed by a digit or X"
        )
    birth = _birth_date(number[6:14])
    latest = today or date.today()
    if birth is None or not _EARLIEST_BIRTH <= birth <= latest:
        raise InvalidIdentifier(
            "resident_id_birthdate", "the birth date is not a real date between 1900 and today"
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise InvalidIdentifier("resident_id_checksum", "the check character does not match")
    return number


def resident_id_birth_date(value: str) -> date:
    """Return the birth date encoded in a valid resident ID number."""
    birth = _birth_date(validate_resident_id(value)[6:14])
    assert birth is not None  # validate_resident_id has already proved it parses
    return birth


def make_resident_id(*, birth: date = date(1990, 1, 1), seq: int = 1, area: str = "110105") -> str:
    """Build a checksum-valid resident ID number for tests and demos (odd seq = male)."""
    if not 0 <= seq <= 999:
        raise ValueError("seq must be between 0 and 999")
    if len(area) != 6 or not area.isdigit() or area[0] == "0":
        raise ValueError("area must be a six-digit region code")
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + resident_id_check_char(body)


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None
