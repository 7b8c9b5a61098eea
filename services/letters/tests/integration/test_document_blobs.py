"""Letters' PDFs (rendered and sealed) live in the blob store, whichever adapter is chosen.

Two replicas with their own data directories share one database and one blob store: a PDF
stored through one is read through the other, and the ``letter_documents`` row keeps only
its hash and size. Rows written before the move keep their bytes and are read as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from letters.adapters.repository import DocumentRepository, DocumentUnreadable
from letters.bootstrap import create_app
from letters.config import Settings
from servicekit.blobs import document_key, open_blob_store
from servicekit.db import make_sessionmaker
from servicekit.pytest_plugin import running
from servicekit.testing import s3_bucket_settings
from sqlalchemy import text

pytestmark = pytest.mark.integration


def _pdf(marker: str) -> bytes:
    return b"%PDF-1.7\n% " + marker.encode() + b"\n%%EOF\n"


@pytest.mark.parametrize("kind", ["local", "postgres", "s3"])
async def test_a_pdf_stored_at_one_replica_is_read_at_another(
    settings: Settings, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    chosen: dict[str, object] = {"blob_store": kind}
    if kind == "s3":
        chosen = s3_bucket_settings(request.getfixturevalue("s3_endpoint"))
    if kind == "local":  # one directory both replicas see (a shared volume)
        chosen["blob_dir"] = tmp_path / "shared-blobs"
    one = settings.model_copy(update={**chosen, "data_dir": tmp_path / "a"})
    two = settings.model_copy(update={**chosen, "data_dir": tmp_path / "b"})
    pdf = _pdf(f"letter stored with {kind}")
    sha256 = hashlib.sha256(pdf).hexdigest()
    app_one, app_two = create_app(one), create_app(two)
    async with running(app_one), running(app_two):
        async with app_one.state.kit.uow() as uow:
            await DocumentRepository(uow.session).put(sha256=sha256, content=pdf)
            await DocumentRepository(uow.session).put(sha256=sha256, content=pdf)  # once
            await uow.commit()
        async with app_two.state.kit.uow() as uow:
            doc = await DocumentRepository(uow.session).get(sha256)
        assert doc is not None and doc.content == pdf and doc.size == len(pdf)

        engine = app_one.state.kit.engine
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT sha256, content FROM letter_documents"))).all()
        assert rows == [(sha256, None)]
        store = await open_blob_store(one, engine)
        try:
            assert store.name == kind and await store.get(document_key(sha256)) == pdf
        finally:
            await store.close()

        with pytest.raises(ValueError, match="does not match"):
            async with app_one.state.kit.uow() as uow:
                await DocumentRepository(uow.session).put(sha256="0" * 64, content=pdf)

        # a row written before documents moved keeps its bytes and is read from them
        legacy = _pdf("written before the blob store")
        digest = hashlib.sha256(legacy).hexdigest()
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO letter_documents (sha256, size, content, created_at)"
                    " VALUES (:s, :n, :c, now())"
                ),
                {"s": digest, "n": len(legacy), "c": legacy},
            )
        async with app_two.state.kit.uow() as uow:
            old = await DocumentRepository(uow.session).get(digest)
        assert old is not None and old.content == legacy

        # a session with no blob store attached says so instead of guessing
        async with make_sessionmaker(engine)() as bare:
            with pytest.raises(DocumentUnreadable):
                await DocumentRepository(bare).get(sha256)
