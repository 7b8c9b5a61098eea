"""The fast hex-string reader answers exactly as pyHanko's own: value, type, error, position."""

from __future__ import annotations

import io

import pades  # noqa: F401  (installs the fast reader)
from hypothesis import given, settings
from hypothesis import strategies as st
from pades import hexstrings
from pyhanko.pdf_utils import generic

PIECES = st.sampled_from(
    [b"0", b"7", b"a", b"F", b"f0", b"00" * 40, b" ", b"\n", b"\r\n", b"\t", b"\x00", b"\x0c",
     b"%c>", b"%x\n", b"g", b"<", b")", b"\xff", b">", b"\xfe\xff"]
)  # fmt: skip


def _outcome(reader: object, data: bytes) -> tuple[object, ...]:
    stream = io.BytesIO(data)
    try:
        value = reader(stream)  # type: ignore[operator]
    except Exception as exc:
        return ("error", type(exc), str(exc), stream.tell())
    return ("ok", type(value), bytes(value.original_bytes), str(value), stream.tell())


@settings(max_examples=600, deadline=None)
@given(st.lists(PIECES, max_size=30), st.binary(max_size=8))
def test_same_outcome_as_pyhanko(pieces: list[bytes], tail: bytes) -> None:
    data = b"<" + b"".join(pieces) + tail
    assert _outcome(hexstrings.read_hex_string_from_stream, data) == _outcome(
        hexstrings._pyhanko_reader, data
    )


def test_a_signature_sized_string_and_what_follows() -> None:
    contents = bytes(range(256)) * 40 + b"\x00" * 20000
    data = b"<" + contents.hex().encode() + b">\n/Type /Sig"
    stream = io.BytesIO(data)
    value = generic.read_hex_string_from_stream(stream)  # the parser's reader is the fast one
    assert generic.read_hex_string_from_stream is hexstrings.read_hex_string_from_stream
    assert bytes(value.original_bytes) == contents
    assert stream.read() == b"\n/Type /Sig"


def test_the_parser_reads_a_dictionary_with_hex_strings_through_it() -> None:
    data = b"<< /ID [<0A0b> <ff 0 0>] /Contents <3031 32> >>"
    obj = generic.read_object(io.BytesIO(data), generic.Reference(1, 0))
    assert isinstance(obj, generic.DictionaryObject)
    assert [bytes(x.original_bytes) for x in obj["/ID"]] == [b"\x0a\x0b", b"\xff\x00"]
    assert str(obj["/Contents"]) == "012"
