"""Creating routes with an Idempotency-Key: a retried request is applied once, answered the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pdf_factory as pdfs
import pytest
from harness import LAWYER, application, harness, individual, pdf_upload
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration


@pytest.fixture
async def h(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
):  # type: ignore[no-untyped-def]
    async with harness(
        pg_url=pg_url, amqp_url=amqp_url, bus=bus, identity=identity, data_dir=tmp_path
    ) as h:
        yield h


async def count(pg_url: str, sql: str) -> int:
    conn = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def keyed(h, key: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return h.as_(LAWYER) | {"Idempotency-Key": key}


async def test_a_retried_create_makes_one_application_and_gets_the_first_answer(h, pg_url) -> None:  # type: ignore[no-untyped-def]
    send = lambda: h.client.post(  # noqa: E731
        "/api/contract/contracts", json=application(), headers=keyed(h, "create-1")
    )
    first, retry = await send(), await send()

    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content and retry.headers["idempotent-replayed"] == "true"
    assert await count(pg_url, "SELECT count(*) FROM contracts") == 1
    audit = "SELECT count(*) FROM audit_log WHERE action = 'contract.create'"
    assert await count(pg_url, audit) == 1

    other = await h.client.post(
        "/api/contract/contracts",
        json=application(title="另一份合同"),
        headers=keyed(h, "create-1"),
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


async def test_concurrent_creates_with_one_key_make_one_application(h, pg_url) -> None:  # type: ignore[no-untyped-def]
    answers = await asyncio.gather(
        *(
            h.client.post(
                "/api/contract/contracts", json=application(), headers=keyed(h, "create-2")
            )
            for _ in range(8)
        )
    )
    assert [r.status_code for r in answers] == [201] * 8
    assert len({r.content for r in answers}) == 1
    assert await count(pg_url, "SELECT count(*) FROM contracts") == 1


async def test_a_retried_signer_and_upload_are_applied_once(h, pg_url) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    url = f"/api/contract/contracts/{c['id']}"
    signer = [
        await h.client.post(f"{url}/signers", json=individual(), headers=keyed(h, "signer-1"))
        for _ in range(2)
    ]
    assert [r.status_code for r in signer] == [201, 201]
    assert signer[1].content == signer[0].content
    assert await count(pg_url, "SELECT count(*) FROM signers") == 1

    data = pdfs.text_pdf(pages=1, lines=3)
    uploads = [
        await h.client.post(f"{url}/document", headers=keyed(h, "upload-1"), **pdf_upload(data))
        for _ in range(2)
    ]
    assert [r.status_code for r in uploads] == [200, 200]
    assert uploads[1].content == uploads[0].content
    assert uploads[1].headers["idempotent-replayed"] == "true"
    audit = "SELECT count(*) FROM audit_log WHERE action = 'contract.document_upload'"
    assert await count(pg_url, audit) == 1
    other_file = await h.client.post(
        f"{url}/document",
        headers=keyed(h, "upload-1"),
        **pdf_upload(pdfs.text_pdf(pages=2, lines=3)),
    )
    assert other_file.status_code == 422
    assert other_file.json()["error"]["code"] == "idempotency_key_reused"


async def test_the_creating_routes_document_the_header(h) -> None:  # type: ignore[no-untyped-def]
    spec = (await h.client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/contract/contracts",
        "/api/contract/contracts/{contract_id}/signers",
        "/api/contract/contracts/{contract_id}/document",
    ):
        names = [p["name"] for p in spec[path]["post"]["parameters"]]
        assert "Idempotency-Key" in names, path


async def test_concurrent_uploads_with_one_key_are_one_upload(h, pg_url) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    data = pdfs.text_pdf(pages=1, lines=4)
    answers = await asyncio.gather(
        *(
            h.client.post(
                f"/api/contract/contracts/{c['id']}/document",
                headers=keyed(h, "upload-2"),
                **pdf_upload(data),
            )
            for _ in range(5)
        )
    )
    assert [r.status_code for r in answers] == [200] * 5
    assert len({r.content for r in answers}) == 1
    audit = "SELECT count(*) FROM audit_log WHERE action = 'contract.document_upload'"
    assert await count(pg_url, audit) == 1
