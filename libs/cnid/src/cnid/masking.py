"""Masks for showing identifiers in lists, logs and notifications.

Masking never raises: it is used on data that may predate validation.
"""

from contextlib import suppress

from cnid._text import clean
from cnid.contact import validate_mobile
from cnid.errors import InvalidIdentifier


def mask(value: str, *, head: int, tail: int, char: str = "*") -> str:
    """Return `value` with all but `head` leading and `tail` trailing characters masked."""
    text = clean(value)
    if len(text) <= head + tail:
        return char * len(text)
    return text[:head] + char * (len(text) - head - tail) + text[len(text) - tail :]


def mask_resident_id(value: str) -> str:
    """Return the resident ID with only its first 3 and last 4 characters visible."""
    return mask(value, head=3, tail=4)


def mask_credit_code(value: str) -> str:
    """Return the credit code with only its first 4 and last 4 characters visible."""
    return mask(value, head=4, tail=4)


def mask_mobile(value: str) -> str:
    """Return the mobile number as 138****1234, without any +86 prefix."""
    # Invalid input is still masked as given rather than leaked in an error.
    with suppress(InvalidIdentifier):
        value = validate_mobile(value)
    return mask(value, head=3, tail=4)


def mask_account(value: str) -> str:
    """Return the bank account as ****1234, hiding its length too."""
    text = clean(value)
    return "****" + text[-4:] if len(text) > 4 else "*" * len(text)
