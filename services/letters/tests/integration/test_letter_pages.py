"""Page counts and page images: the preview, the sealed letter, and the recipient's share link."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

import pytest
from letters.service_layer import documents
from pypdf import PdfReader, PdfWriter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

LONG_BODY = "\n".join(["兹指派本所律师前往贵院查阅、摘抄、复制本案的案卷材料，请予接洽。"] * 45)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def with_extra_page(pdf: bytes) -> bytes:
    """Stand in for the signing service's output, one page longer than the approved PDF.

    A real seal never adds a page; the extra one shows the sealed count is the sealed PDF's own.
    """
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    return width, height


@dataclass
class Sealed:
    id: str
    page_count: int
    sealed_page_count: int


async def approve_long_letter(client: Any, auth: Any, helpers: Any) -> str:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    payload = helpers.payload()
    payload["content"]["body"] = LONG_BODY
    created = await client.post("/api/letters/letters", json=payload, headers=lawyer)
    assert created.status_code == 201, created.text
    lid: str = created.json()["id"]
    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    approved = await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    return lid


async def seal(
    client: Any, auth: Any, helpers: Any, signing_stub: Any, amqp_url: str, exchange: str, lid: str
) -> Sealed:
    lawyer = auth(helpers.lawyer)
    approved = (await client.get(f"/api/letters/letters/{lid}/preview.pdf", headers=lawyer)).content
    ref = signing_stub.serve(with_extra_page(approved))
    await helpers.sealed(
        amqp_url=amqp_url, exchange=exchange, letter_id=lid, owner_id="lawyer-1", ref=ref
    )

    async def sealed() -> Any:
        letter = (await client.get(f"/api/letters/letters/{lid}", headers=lawyer)).json()
        return letter if letter["sealed"] else None

    letter = await helpers.until(sealed)
    assert letter, "the letter was never sealed"
    return Sealed(lid, letter["page_count"], letter["sealed_page_count"])


@pytest.fixture
async def sealed_letter(
    client: Any, auth: Any, helpers: Any, signing_stub: Any, amqp_url: str, bus: dict[str, str]
) -> Sealed:
    lid = await approve_long_letter(client, auth, helpers)
    return await seal(client, auth, helpers, signing_stub, amqp_url, bus["exchange"], lid)


async def test_page_count_is_kept_for_the_approved_and_the_sealed_pdf(
    client: Any,
    auth: Any,
    helpers: Any,
    signing_stub: Any,
    observer: Any,
    amqp_url: str,
    bus: dict[str, str],
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    payload = helpers.payload()
    payload["content"]["body"] = LONG_BODY
    draft = (await client.post("/api/letters/letters", json=payload, headers=lawyer)).json()
    lid = draft["id"]
    # a draft has no stored rendering yet: the preview says how many pages it has right now
    assert (draft["page_count"], draft["sealed_page_count"]) == (None, None)
    base = f"/api/letters/letters/{lid}"
    live = (await client.get(f"{base}/preview", headers=lawyer)).json()
    draft_pdf = (await client.get(f"{base}/preview.pdf", headers=lawyer)).content
    assert live["source"] == "live" and live["page_count"] == pages_of(draft_pdf) >= 2

    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    approved = (await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)).json()
    approved_pdf = (await client.get(f"{base}/preview.pdf", headers=lawyer)).content
    n = pages_of(approved_pdf)
    assert approved["page_count"] == n and approved["sealed_page_count"] is None
    info = (await client.get(f"{base}/preview", headers=admin)).json()
    event = (await observer.wait_for("letter.approved"))[0]["data"]["document"]
    assert (info["source"], info["page_count"], info["sha256"]) == ("approved", n, event["sha256"])
    assert event["page_count"] == n

    sealed = await seal(client, auth, helpers, signing_stub, amqp_url, bus["exchange"], lid)
    assert (sealed.page_count, sealed.sealed_page_count) == (n, n + 1)
    listed = (await client.get("/api/letters/letters", headers=lawyer)).json()["data"][0]
    assert (listed["page_count"], listed["sealed_page_count"]) == (n, n + 1)
    sealed_event = (await observer.wait_for("letter.sealed"))[0]["data"]["document"]
    assert sealed_event["page_count"] == n + 1


async def test_sealed_pages_are_images_for_the_applicant_and_letter_staff(
    client: Any,
    auth: Any,
    helpers: Any,
    signing_stub: Any,
    amqp_url: str,
    bus: dict[str, str],
) -> None:
    lawyer, admin, other = auth(helpers.lawyer), auth(helpers.admin), auth(helpers.other)
    lid = await approve_long_letter(client, auth, helpers)
    early = await client.get(f"/api/letters/letters/{lid}/sealed/pages/1.png", headers=lawyer)
    assert early.status_code == 409 and early.json()["error"]["code"] == "letter_not_sealed"

    letter = await seal(client, auth, helpers, signing_stub, amqp_url, bus["exchange"], lid)
    count = letter.sealed_page_count
    sealed_pages = f"/api/letters/letters/{lid}/sealed/pages"
    for page in range(1, count + 1):
        for who in (lawyer, admin):
            got = await client.get(f"{sealed_pages}/{page}.png", headers=who)
            assert got.status_code == 200, got.text
            assert got.headers["content-type"] == "image/png"
            assert got.content.startswith(PNG_MAGIC)
    first = await client.get(f"{sealed_pages}/1.png", headers=lawyer)
    assert png_size(first.content) == (827, 1170)  # A4 at the default 100 dpi

    for page in (0, count + 1):
        missing = await client.get(f"{sealed_pages}/{page}.png", headers=lawyer)
        assert missing.status_code == 404
        error = missing.json()["error"]
        assert error["code"] == "page_out_of_range"
        assert error["details"] == {"page": page, "page_count": count}

    foreign = await client.get(f"{sealed_pages}/1.png", headers=other)
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "letter_not_found"


async def test_each_page_image_is_rendered_once_then_served_from_disk(
    client: Any,
    auth: Any,
    helpers: Any,
    settings: Any,
    sealed_letter: Sealed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lawyer = auth(helpers.lawyer)
    renders: list[int] = []
    real_page_png = documents.page_png

    async def counting(pdf: bytes, *, page: int, dpi: int, timeout_s: float) -> bytes:
        renders.append(page)
        return await real_page_png(pdf, page=page, dpi=dpi, timeout_s=timeout_s)

    monkeypatch.setattr(documents, "page_png", counting)
    lid = sealed_letter.id
    sealed_urls = [f"/api/letters/letters/{lid}/sealed/pages/{p}.png" for p in (1, 2, 1, 2)]
    preview_urls = [f"/api/letters/letters/{lid}/pages/{p}.png" for p in (1, 1)]
    bodies = [(await client.get(url, headers=lawyer)).content for url in sealed_urls + preview_urls]
    assert renders == [1, 2, 1]  # sealed 1, sealed 2, preview 1; every repeat from the cache
    assert bodies[0] == bodies[2] and bodies[1] == bodies[3] and bodies[4] == bodies[5]
    cached = sorted(path.name for path in settings.page_image_dir.iterdir())
    assert len(cached) == 3 and all(name.endswith("-100dpi.png") for name in cached)


async def test_share_link_shows_page_images_until_revoked_or_expired(
    client: Any, auth: Any, helpers: Any, settings: Any, sealed_letter: Sealed
) -> None:
    lawyer = auth(helpers.lawyer)
    lid, count = sealed_letter.id, sealed_letter.sealed_page_count
    share = (await client.post(f"/api/letters/letters/{lid}/shares", headers=lawyer)).json()
    api = f"/api/letters/share/{share['token']}"

    page = await client.get(f"/share/{share['token']}")
    assert page.status_code == 200
    for n in range(1, count + 1):
        assert f"{settings.public_base_url}{api}/pages/{n}.png" in page.text
    assert f"{api}/pages/{count + 1}.png" not in page.text
    assert f"{api}/document.pdf" in page.text  # the download link stays
    for n in range(1, count + 1):
        image = await client.get(f"{api}/pages/{n}.png")
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert image.content.startswith(PNG_MAGIC)
        assert image.headers["cache-control"] == "no-store"
    for n in (0, count + 1):
        missing = await client.get(f"{api}/pages/{n}.png")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "page_out_of_range"
    opens = (
        await client.get(f"/api/letters/letters/{lid}/shares/{share['id']}/opens", headers=lawyer)
    ).json()
    assert [o["what"] for o in opens["data"]] == ["page"]  # images are part of that one opening

    await client.delete(f"/api/letters/letters/{lid}/shares/{share['id']}", headers=lawyer)
    revoked = await client.get(f"{api}/pages/1.png")
    assert revoked.status_code == 404 and revoked.json()["error"]["code"] == "share_unavailable"

    second = (await client.post(f"/api/letters/letters/{lid}/shares", headers=lawyer)).json()
    second_page = f"/api/letters/share/{second['token']}/pages/1.png"
    assert (await client.get(second_page)).status_code == 200
    engine = create_async_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE letter_shares SET expires_at = now() - interval '1 min' WHERE id = :id"),
            {"id": second["id"]},
        )
    await engine.dispose()
    expired = await client.get(second_page)
    assert expired.status_code == 404 and expired.json()["error"]["code"] == "share_unavailable"
    unknown = await client.get("/api/letters/share/not-a-real-token/pages/1.png")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "share_unavailable"
