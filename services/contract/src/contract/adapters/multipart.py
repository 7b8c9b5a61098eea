"""Receive one file field of a multipart upload as a stream, never holding the body in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .document_store import Spool


class UploadMalformed(Exception):
    """The request is not multipart/form-data or carries no file in the expected field."""


@dataclass
class _State:
    wanted: str
    spool: Spool
    max_bytes: int
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytes = b""
    header_value: bytes = b""
    in_target: bool = False
    found: bool = False
    filename: str | None = None


async def receive_file(
    *,
    content_type: str,
    body: AsyncIterator[bytes],
    field_name: str,
    spool: Spool,
    max_bytes: int,
) -> str | None:
    """Stream field `field_name` into `spool` (TooLarge past `max_bytes`); return its filename."""
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadMalformed("expected multipart/form-data")
    state = _State(wanted=field_name, spool=spool, max_bytes=max_bytes)

    def on_part_begin() -> None:
        state.headers = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_name.lower()] = state.header_value
        state.header_name, state.header_value = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(state.headers.get(b"content-disposition", b""))
        name = disp.get(b"name", b"").decode(errors="replace")
        state.in_target = name == state.wanted and not state.found
        if state.in_target:
            state.found = True
            raw = disp.get(b"filename")
            state.filename = raw.decode(errors="replace") if raw is not None else None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.in_target:
            state.spool.write(data[start:end], max_bytes=state.max_bytes)

    def on_part_end() -> None:
        state.in_target = False

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise UploadMalformed("malformed multipart body") from exc
    if not state.found:
        raise UploadMalformed(f"no file in field {field_name!r}")
    return state.filename
