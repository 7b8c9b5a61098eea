"""Uploads are streamed to disk under a cap and moved into place only when accepted."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from contract.adapters.document_store import DocumentStore, TooLarge
from contract.adapters.multipart import UploadMalformed, receive_file

BOUNDARY = "----lexsealtest"


def multipart(fields: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, data in fields:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def chunks(body: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


async def receive(
    store: DocumentStore, body: bytes, *, max_bytes: int = 10_000
) -> tuple[str | None, bytes]:
    spool = store.spool()
    try:
        name = await receive_file(
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            body=chunks(body),
            field_name="file",
            spool=spool,
            max_bytes=max_bytes,
        )
        return name, spool.read()
    finally:
        spool.discard()


async def test_only_the_file_field_is_kept(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    payload = bytes(range(256)) * 20
    name, data = await receive(
        store, multipart([("note", None, b"hi"), ("file", "合同.pdf", payload)])
    )
    assert name == "合同.pdf" and data == payload
    assert list(tmp_path.iterdir()) == []  # the spool is gone


async def test_a_body_over_the_cap_stops_early_and_leaves_no_file(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    with pytest.raises(TooLarge):
        await receive(store, multipart([("file", "a.pdf", b"x" * 20_000)]))
    assert list(tmp_path.iterdir()) == []


async def test_a_missing_field_or_wrong_type_is_malformed(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    with pytest.raises(UploadMalformed):
        await receive(store, multipart([("other", "a.pdf", b"x")]))
    spool = store.spool()
    with pytest.raises(UploadMalformed):
        await receive_file(
            content_type="application/pdf",
            body=chunks(b"x"),
            field_name="file",
            spool=spool,
            max_bytes=10,
        )
    spool.discard()


def test_documents_are_stored_once_by_hash(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "docs")
    sha, new = store.put(b"%PDF-1.7 a")
    assert sha == hashlib.sha256(b"%PDF-1.7 a").hexdigest() and new
    assert store.put(b"%PDF-1.7 a") == (sha, False)
    assert store.path(sha).read_bytes() == b"%PDF-1.7 a"
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
