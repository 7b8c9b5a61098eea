"""Document upload over HTTP: every bad PDF answered by its code, none leaving a trace."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pdf_factory as pdfs
import pytest
from harness import LAWYER, OTHER_LAWYER, RISK, harness, individual, pdf_upload
from servicekit.internal import INTERNAL_HEADER, internal_token
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration


@pytest.fixture
async def h(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
):  # type: ignore[no-untyped-def]
    async with harness(
        pg_url=pg_url,
        amqp_url=amqp_url,
        bus=bus,
        identity=identity,
        data_dir=tmp_path,
        max_upload_mb=1,
        max_pages=20,
    ) as h:
        yield h


BAD_PDFS: list[tuple[str, Callable[[], bytes], int]] = [
    ("not_a_pdf", lambda: pdfs.not_a_pdf(kind="docx"), 422),
    ("pdf_corrupt", lambda: pdfs.truncated_pdf(), 422),
    ("pdf_encrypted", lambda: pdfs.encrypted_pdf(), 422),
    ("pdf_already_signed", lambda: pdfs.signed_pdf(), 422),
    ("pdf_javascript", lambda: pdfs.javascript_pdf(), 422),
    ("pdf_embedded_files", lambda: pdfs.embedded_file_pdf(), 422),
    ("pdf_too_many_pages", lambda: pdfs.text_pdf(pages=21, lines=1), 422),
    ("pdf_too_large", lambda: pdfs.big_pdf(size=1_200_000), 413),
]


def stored_files(root: Path) -> list[str]:
    docs = root / "documents"
    return sorted(p.name for p in docs.rglob("*") if p.is_file()) if docs.exists() else []


@pytest.mark.parametrize(("code", "make", "status"), BAD_PDFS, ids=[c for c, _, _ in BAD_PDFS])
async def test_a_bad_pdf_is_refused_with_its_code_and_leaves_nothing(
    h, pg_url, tmp_path, code, make, status
) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    # The factories are synchronous (pyhanko runs its own event loop): build off the test's loop.
    resp = await h.upload(c["id"], await asyncio.to_thread(make))
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code and error["message"]
    detail = (await h.get(f"/contracts/{c['id']}")).json()
    assert detail["document"] is None and not detail["has_document"]
    assert stored_files(tmp_path) == []
    conn = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        assert await conn.fetchval("SELECT count(*) FROM documents") == 0
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM audit_log WHERE action='contract.document_upload'"
            )
            == 0
        )
    finally:
        await conn.close()


async def test_a_refused_replacement_keeps_the_accepted_document(h, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    good = pdfs.text_pdf(pages=3)
    first = await h.upload(c["id"], good)
    assert first.status_code == 200 and first.json()["document"]["page_count"] == 3
    before = stored_files(tmp_path)
    assert (await h.upload(c["id"], pdfs.encrypted_pdf())).status_code == 422
    assert (await h.get(f"/contracts/{c['id']}")).json()["document"] == first.json()["document"]
    assert stored_files(tmp_path) == before
    download = await h.get(f"/contracts/{c['id']}/document")
    assert download.status_code == 200 and download.content == good


async def test_post_uploads_like_put_and_another_lawyer_cannot(h) -> None:  # type: ignore[no-untyped-def]
    """POST .../document is the same upload as PUT (forms post); only the owner may use it."""
    c = await h.create()
    good = pdfs.text_pdf(pages=2)
    url = f"/api/contract/contracts/{c['id']}/document"
    refused = await h.client.post(url, headers=h.as_(OTHER_LAWYER), **pdf_upload(good))
    assert refused.status_code == 404
    posted = await h.client.post(url, headers=h.as_(LAWYER), **pdf_upload(good))
    assert posted.status_code == 200 and posted.json()["document"]["page_count"] == 2
    assert (await h.get(f"/contracts/{c['id']}/document")).content == good


async def test_upload_is_not_multipart_or_lacks_the_file_field(h) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    url = f"/api/contract/contracts/{c['id']}/document"
    raw = await h.client.put(
        url, content=pdfs.text_pdf(), headers={"content-type": "application/pdf"} | h.as_(LAWYER)
    )
    assert raw.status_code == 422 and raw.json()["error"]["code"] == "upload_invalid"
    wrong = await h.client.put(
        url, files={"doc": ("a.pdf", pdfs.text_pdf())}, headers=h.as_(LAWYER)
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "upload_invalid"


async def test_a_scanned_contract_is_flagged_and_risk_control_is_told_which_pages(h) -> None:  # type: ignore[no-untyped-def]
    scan = pdfs.mixed_pdf(kinds=["text", "scan", "text", "scan"])
    c = await h.create()
    resp = await h.upload(c["id"], scan)
    assert resp.status_code == 200, resp.text
    warning = resp.json()["document"]["scan_warning"]
    assert warning == {"pages": [2, 4], "reason": "full_page_image_without_text"}
    await h.post(f"/contracts/{c['id']}/signers", json=individual())
    assert (await h.post(f"/contracts/{c['id']}/submit")).status_code == 200
    event = await h.published("contract.submitted")
    assert event["data"]["scan_warning"] == {
        "pages": warning["pages"],
        "reason": "full_page_image_without_text",
    }


async def test_page_previews_and_downloads_follow_visibility(h, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    data = pdfs.text_pdf(pages=2)
    await h.upload(c["id"], data, who=LAWYER)
    png = await h.get(f"/contracts/{c['id']}/pages/2.png", RISK)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png.headers["content-type"] == "image/png"
    assert (await h.get(f"/contracts/{c['id']}/pages/3.png")).json()["error"][
        "code"
    ] == "page_not_found"
    assert (await h.get(f"/contracts/{c['id']}/pages/1.png", OTHER_LAWYER)).status_code == 404
    download = await h.get(f"/contracts/{c['id']}/document", RISK)
    assert download.content == data and "contract.pdf" in download.headers["content-disposition"]
    assert (await h.get(f"/contracts/{c['id']}/signed-document")).json()["error"][
        "code"
    ] == "signed_document_unavailable"
    other = await h.create(who=OTHER_LAWYER)
    assert (await h.upload(other["id"], data, who=LAWYER)).status_code == 404
    # the same bytes are stored once
    await h.upload(other["id"], data, who=OTHER_LAWYER)
    assert len([n for n in stored_files(tmp_path) if n.endswith(".pdf")]) == 1


async def test_a_declared_oversize_body_is_refused_before_it_is_read(h, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    sent = 0

    async def body():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(64):
            sent += 1
            yield b"x" * 65536

    headers = h.as_(LAWYER) | {
        "content-type": "multipart/form-data; boundary=b",
        "content-length": str(64 * 65536),
    }
    resp = await h.client.put(
        f"/api/contract/contracts/{c['id']}/document", content=body(), headers=headers
    )
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "pdf_too_large"
    assert sent <= 1 and stored_files(tmp_path) == []


async def test_the_same_new_pdf_uploaded_to_many_contracts_at_once_is_one_document(
    h, pg_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Before: a check-then-insert raced (500, UniqueViolation on documents_pkey) and the
    # loser's cleanup deleted the file that the winners' committed rows pointed to.
    contracts = [await h.create() for _ in range(25)]
    data = pdfs.text_pdf(pages=2, lines=7)  # bytes no earlier test uploaded

    answers = await asyncio.gather(*(h.upload(c["id"], data) for c in contracts))

    assert [r.status_code for r in answers] == [200] * 25, [r.text for r in answers if r.is_error]
    sha256 = answers[0].json()["document"]["sha256"]
    assert stored_files(tmp_path) == [f"{sha256}.pdf"]
    conn = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        assert await conn.fetchval("SELECT count(*) FROM documents") == 1
        assert (
            await conn.fetchval("SELECT count(*) FROM contracts WHERE document_sha256 = $1", sha256)
            == 25
        )
    finally:
        await conn.close()
    for c in contracts:
        download = await h.get(f"/contracts/{c['id']}/document")
        assert download.status_code == 200 and download.content == data
        path = f"/internal/contract/documents/{sha256}"
        token = internal_token(secret=h.settings.internal_secret, path=path)
        claim = await h.client.get(path, headers={INTERNAL_HEADER: token})
        assert claim.status_code == 200 and claim.content == data


async def test_the_service_removes_crashed_uploads_temp_files_on_start(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    leftover = documents / ".upload-k9x2b1.part"  # what a kill -9 mid-upload leaves
    leftover.write_bytes(b"%PDF-1.7 half an upload")
    then = time.time() - 5
    os.utime(leftover, (then, then))
    stored = documents / f"{'b' * 64}.pdf"
    stored.write_bytes(b"%PDF-1.7 a stored document")

    async with harness(
        pg_url=pg_url, amqp_url=amqp_url, bus=bus, identity=identity, data_dir=tmp_path
    ):
        assert not leftover.exists()
        assert stored.is_file()


@pytest.mark.parametrize("blob_store", ["postgres", "s3"])
async def test_a_document_uploaded_at_one_replica_is_served_by_another(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    blob_store: str,
    request: pytest.FixtureRequest,
) -> None:
    # Before: the PDF lived on the receiving replica's disk only; the other answered 404 to
    # the lawyer's download and to signing's claim-check fetch.
    shared: dict[str, object] = {"blob_store": blob_store}
    if blob_store == "s3":
        import uuid

        import boto3

        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"lexseal-{uuid.uuid4().hex[:12]}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        await asyncio.to_thread(client.create_bucket, Bucket=bucket)
        shared |= {
            "s3_bucket": bucket,
            "s3_endpoint_url": endpoint,
            "s3_region": "us-east-1",
            "s3_access_key_id": "test",
            "s3_secret_access_key": "test",
            "s3_addressing_style": "path",
        }
    kw = {"pg_url": pg_url, "amqp_url": amqp_url, "bus": bus, "identity": identity, **shared}
    data = pdfs.text_pdf(pages=1, lines=3)
    async with (
        harness(data_dir=tmp_path / "replica-a", **kw) as a,  # type: ignore[arg-type]
        harness(data_dir=tmp_path / "replica-b", **kw) as b,  # type: ignore[arg-type]
    ):
        c = await a.create()
        uploaded = await a.upload(c["id"], data)
        assert uploaded.status_code == 200, uploaded.text
        sha256 = uploaded.json()["document"]["sha256"]
        assert not (tmp_path / "replica-b" / "documents" / f"{sha256}.pdf").exists()
        download = await b.get(f"/contracts/{c['id']}/document")
        assert download.status_code == 200 and download.content == data
        preview = await b.get(f"/contracts/{c['id']}/pages/1.png")
        assert preview.status_code == 200 and preview.content.startswith(b"\x89PNG")
        path = f"/internal/contract/documents/{sha256}"
        token = internal_token(secret=b.settings.internal_secret, path=path)
        claim = await b.client.get(path, headers={INTERNAL_HEADER: token})
        assert claim.status_code == 200 and claim.content == data


async def test_an_upload_whose_inspection_worker_is_lost_answers_503_not_corrupt(
    h, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The service stopping mid-upload ends the inspection child from outside (exit 255 or
    # SIGTERM): retried once, then "retry later", never the PDF's fault.
    import worker_faults
    from contract.adapters import pdf_inspect_worker

    monkeypatch.setattr(pdf_inspect_worker, "inspect_checked", worker_faults.status_lost)
    c = await h.create()
    resp = await h.upload(c["id"], pdfs.text_pdf())
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"]["code"] == "service_unavailable"
    assert int(resp.headers["retry-after"]) > 0
    assert stored_files(tmp_path) == []
    monkeypatch.undo()
    assert (await h.upload(c["id"], pdfs.text_pdf())).status_code == 200
