"""Mainland mobile numbers and bank account numbers."""

import re

from cnid._text import clean
from cnid.errors import InvalidIdentifier

_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY_PREFIXES = ("+86", "0086", "86")
_ACCOUNT_LENGTH = range(8, 31)


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise InvalidIdentifier."""
    number = clean(value)
    for prefix in _COUNTRY_PREFIXES:
        # 86 followed by 11 digits is 13 characters; an 11-digit number never starts with 86.
        if number.startswith(prefix) and len(number) == len(prefix) + 11:
            number = number[len(prefix) :]
            break
    if not _MOBILE.fullmatch(number):
        raise InvalidIdentifier(
            "mobile_format", "a mainland mobile number is 11 digits starting with 13 to 19"
        )
    return number


def validate_bank_account(value: str) -> str:
    """Return the bank account number as digits only or raise InvalidIdentifier."""
    # Chinese banks do not all use Luhn (corporate accounts rarely do), so only the
    # shape is checked; the micro-deposit proves the account is real.
    number = clean(value)
    if not (number.isascii() and number.isdigit() and len(number) in _ACCOUNT_LENGTH):
        raise InvalidIdentifier("bank_account_format", "a bank account number is 8 to 30 digits")
    return number
