"""Input clean-up shared by the validators."""

import re

# Users paste numbers with spaces, hyphens and full-width digits from Word or WeChat.
_SEPARATORS = re.compile(r"[\s\-\u3000]+")
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
)


def clean(value: str) -> str:
    """Return `value` upper-cased, half-width, without separators."""
    return _SEPARATORS.sub("", value.upper().translate(_FULL_WIDTH))
