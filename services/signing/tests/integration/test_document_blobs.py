"""Signing's documents live in the blob store, whichever adapter the deployment chose.

The original, the prepared (QR-stamped) and every signed version of an envelope's PDF are
in the service's blob store (local directory, PostgreSQL or S3), never only on one replica's
disk; the ``documents`` row keeps the hash and size. Rows written before the move keep their
bytes and are read as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from servicekit.blobs import document_key, open_blob_store
from servicekit.testing import TestIdentity, s3_bucket_settings
from signing.adapters.repository import DocumentUnreadable, SigningRepository
from sqlalchemy import text

from .helpers import ONE_SIGNER, contract_pdf, counterparty_signs, firm_signs, started

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("kind", ["local", "postgres", "s3"])
async def test_every_version_of_a_signed_document_is_in_the_blob_store(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    chosen: dict[str, object] = {"blob_store": kind}
    if kind == "s3":
        chosen = s3_bucket_settings(request.getfixturevalue("s3_endpoint"))
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER, **chosen
    ) as s:
        await counterparty_signs(s)
        signed = await firm_signs(s)
        assert signed.status_code == 200, signed.text
        url = f"/api/signing/envelopes/{s.eid}/document.pdf"
        download = await s.client.get(url, headers=s.lawyer)
        assert download.status_code == 200 and download.content.startswith(b"%PDF")

        kit = s.app.state.kit
        async with kit.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT sha256, size, data FROM documents"))).all()
        # original, prepared, the counterparty's and the firm's signed versions
        assert len(rows) >= 4
        assert all(data is None for _, _, data in rows)  # no bytes in the rows any more
        store = await open_blob_store(s.app.state.settings, kit.engine)
        try:
            assert store.name == kind
            for sha256, size, _ in rows:
                data = await store.get(document_key(sha256))
                assert len(data) == size and hashlib.sha256(data).hexdigest() == sha256
            assert hashlib.sha256(download.content).hexdigest() in {r[0] for r in rows}

            # a row written before documents moved keeps its bytes and is read from them
            legacy = contract_pdf(pages=1)
            digest = hashlib.sha256(legacy).hexdigest()
            async with kit.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO documents (sha256, size, data, created_at)"
                        " VALUES (:s, :n, :d, now())"
                    ),
                    {"s": digest, "n": len(legacy), "d": legacy},
                )
            async with kit.uow() as uow:
                doc = await SigningRepository(uow.session).document(digest)
            assert doc is not None and doc.data == legacy
            assert not await store.exists(document_key(digest))
        finally:
            await store.close()

        # a session of no service (no blob store attached) says so instead of guessing
        from servicekit.db import make_sessionmaker

        async with make_sessionmaker(kit.engine)() as bare:
            with pytest.raises(DocumentUnreadable):
                await SigningRepository(bare).document(rows[0][0])
