"""A fast reader for PDF hex strings (``<4a6f…>``), installed into pyHanko's parser.

pyHanko reads a hex string one byte at a time through a generator. A signature's
``/Contents`` is a hex string of tens of thousands of digits (the CMS plus its reserved
zero padding), so every parse of a signed PDF spent most of its time there: ~20% of the
signing service's CPU per lifecycle (verification, the evidence, archive time-stamps and each
further signature all re-read the earlier signatures).

:func:`read_hex_string_from_stream` reads up to the closing ``>`` in chunks, and decodes the
digits at once when the string holds nothing but hex digits and PDF whitespace. Anything else
(a comment, a stray byte, no closing ``>``) goes to pyHanko's own reader from the same
position, so errors and their messages, and what the stream has consumed, are pyHanko's.
"""

from __future__ import annotations

import binascii
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

_HEX_DIGITS = b"0123456789abcdefABCDEF"
_ALLOWED = _HEX_DIGITS + PDF_WHITESPACE
_pyhanko_reader = generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream: Any) -> generic.ByteStringObject | generic.TextStringObject:
    """Read a hex string at the stream's position (on its ``<``), as pyHanko's reader does."""
    start = stream.tell()
    stream.read(1)  # the opening '<'
    body = bytearray()
    size = 256
    while True:
        chunk = stream.read(size)
        if not chunk:  # no closing '>': pyHanko's reader raises its own error
            stream.seek(start)
            return _pyhanko_reader(stream)
        end = chunk.find(b">")
        if end >= 0:
            body += chunk[:end]
            break
        body += chunk
        size = min(size * 2, 1 << 20)
    if body.translate(None, _ALLOWED):  # a comment or a byte that is not a digit
        stream.seek(start)
        return _pyhanko_reader(stream)
    stream.seek(start + 1 + len(body) + 1)  # just after the closing '>'
    digits = bytes(body).translate(None, PDF_WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Make pyHanko's object parser read hex strings with the fast reader (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
