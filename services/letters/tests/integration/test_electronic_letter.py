"""An electronic letter from draft to sealed and shared, on the real database and broker."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from lexseal_events import DocumentSealed
from servicekit.internal import INTERNAL_HEADER, internal_token
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration

SEALED = b"%PDF-1.7 sealed by the firm\n%%EOF\n"


async def test_letter_is_approved_numbered_sealed_and_shared(
    client: Any,
    auth: Any,
    helpers: Any,
    settings: Any,
    signing_stub: Any,
    observer: Any,
    amqp_url: str,
    bus: dict[str, str],
) -> None:
    lawyer, admin, other = auth(helpers.lawyer), auth(helpers.admin), auth(helpers.other)
    # fields a client may not set are ignored
    sneaky = helpers.payload(status="approved", number="X", owner_id="lawyer-9")
    created = await client.post("/api/letters/letters", json=sneaky, headers=lawyer)
    assert created.status_code == 201, created.text
    letter = created.json()
    lid = letter["id"]
    assert (letter["status"], letter["number"], letter["owner_id"]) == ("draft", None, "lawyer-1")

    draft_pdf = await client.get(f"/api/letters/letters/{lid}/preview.pdf", headers=lawyer)
    assert draft_pdf.status_code == 200 and draft_pdf.content.startswith(b"%PDF")
    assert (await client.get(f"/api/letters/letters/{lid}", headers=other)).status_code == 404

    sub = await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    assert sub.json()["status"] == "submitted"
    assert (await observer.wait_for("letter.submitted"))[0]["data"][
        "case_serial_no"
    ] == "MS-2026-000123"
    queue = (await client.get("/api/letters/queue", headers=admin)).json()
    assert [x["id"] for x in queue["data"]] == [lid]
    assert (await client.get("/api/letters/queue", headers=lawyer)).status_code == 403
    denied = await client.post(f"/api/letters/letters/{lid}/approve", headers=lawyer)
    assert denied.status_code == 403

    approved = await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    year = approved.json()["letter_date"][:4]
    assert approved.json()["number"] == f"（{year}）某律函字第0001号"
    assert approved.json()["status"] == "approved"

    event = (await observer.wait_for("letter.approved"))[0]["data"]
    assert event["number"] == approved.json()["number"]
    assert event["cross_page_seal"] is False  # the default 函 type takes the normal seal only
    doc = event["document"]
    assert doc["url"] == f"http://letters.internal:8104/internal/letters/documents/{doc['sha256']}"
    path = f"/internal/letters/documents/{doc['sha256']}"
    assert (await client.get(path)).status_code == 403
    token = internal_token(secret=settings.internal_secret, path=path)
    fetched = await client.get(path, headers={INTERNAL_HEADER: token})
    assert hashlib.sha256(fetched.content).hexdigest() == doc["sha256"]
    preview = await client.get(f"/api/letters/letters/{lid}/preview.pdf", headers=lawyer)
    assert preview.content == fetched.content
    png = await client.get(f"/api/letters/letters/{lid}/pages/1.png", headers=lawyer)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert (
        await client.get(f"/api/letters/letters/{lid}/pages/9.png", headers=lawyer)
    ).status_code == 404
    not_yet = await client.get(f"/api/letters/letters/{lid}/document.pdf", headers=lawyer)
    assert not_yet.json()["error"]["code"] == "letter_not_sealed"
    cannot_share = await client.post(f"/api/letters/letters/{lid}/shares", headers=lawyer)
    assert cannot_share.status_code == 409

    # the signing service answers (twice: a redelivery must change nothing)
    ref = signing_stub.serve(SEALED)
    handled_before = _sealed_events_handled()
    for _ in range(2):
        await helpers.sealed(
            amqp_url=amqp_url, exchange=bus["exchange"], letter_id=lid, owner_id="lawyer-1", ref=ref
        )

    async def sealed() -> bool:
        r = await client.get(f"/api/letters/letters/{lid}", headers=lawyer)
        return bool(r.json()["status"] == "sealed")

    assert await helpers.until(sealed)
    got = await client.get(f"/api/letters/letters/{lid}/document.pdf", headers=lawyer)
    assert got.content == SEALED
    # both answers handled (a positive marker, not a pause) ...
    assert await helpers.until(lambda: _async(_sealed_events_handled() >= handled_before + 2))
    sealed_events = await observer.wait_for("letter.sealed")
    assert sealed_events[0]["data"]["verify_code"] == "VC-123456"

    # a partner key with documents:read fetches it through the public route the event names
    document = sealed_events[0]["data"]["document"]
    assert "/internal/" in document["url"] and "/internal/" not in document["public_url"]
    route = "/" + document["public_url"].split("/", 3)[3]
    assert route == f"/api/letters/partner/letters/{lid}/sealed.pdf"
    reader = {"user_id": "apikey:k1", "roles": ["partner"], "scopes": ["documents:read"]}
    hooks_only = {"user_id": "apikey:k2", "roles": ["partner"], "scopes": ["webhooks:manage"]}
    refused = await client.get(route, headers=auth(hooks_only))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    fetched = await client.get(route, headers=auth(reader))
    assert fetched.status_code == 200 and fetched.content == SEALED
    # letters:read reads the letter itself (no mailing address); documents:read does not
    letters_reader = {"user_id": "apikey:k3", "roles": ["partner"], "scopes": ["letters:read"]}
    read_route = f"/api/letters/partner/letters/{lid}"
    shown = await client.get(read_route, headers=auth(letters_reader))
    assert shown.status_code == 200, shown.text
    assert (shown.json()["id"], shown.json()["sealed"]) == (lid, True)
    assert shown.json()["mail_address"] is None
    no_scope = await client.get(read_route, headers=auth(reader))
    assert no_scope.status_code == 403 and no_scope.json()["error"]["code"] == "insufficient_scope"
    assert (await client.get(route, headers=auth(letters_reader))).status_code == 403
    missing = await client.get(read_route + "x", headers=auth(letters_reader))
    assert missing.status_code == 404
    engine = create_async_engine(settings.database_url)
    async with engine.connect() as conn:
        downloads = (
            await conn.execute(
                text("SELECT actor_id, object_id FROM audit_log WHERE action = :a ORDER BY at"),
                {"a": "document.downloaded"},
            )
        ).all()
    await engine.dispose()
    # the lawyer's download above and the partner's: every download is on the record
    assert [tuple(r) for r in downloads] == [("lawyer-1", lid), ("apikey:k1", lid)]

    # sharing
    assert (
        await client.post(f"/api/letters/letters/{lid}/shares", headers=other)
    ).status_code == 404
    share = (await client.post(f"/api/letters/letters/{lid}/shares", headers=lawyer)).json()
    assert len(share["token"]) >= 43
    assert share["url"] == f"{settings.public_base_url}/share/{share['token']}"
    assert base64.b64decode(share["qr_png_base64"]).startswith(b"\x89PNG")
    assert (await observer.wait_for("letter.shared"))[0]["data"]["share_id"] == share["id"]
    # ... and letter.shared, committed after them, came out after any second letter.sealed
    assert [e["type"] for e in observer.events].count("letter.sealed") == 1
    listed = (await client.get(f"/api/letters/letters/{lid}/shares", headers=lawyer)).json()
    assert "token" not in listed["data"][0] and listed["data"][0]["state"] == "active"

    page = await client.get(
        f"/share/{share['token']}",
        headers={"user-agent": "WeChat/8.0", "x-forwarded-for": "203.0.113.7"},
    )
    assert page.status_code == 200
    assert approved.json()["number"] in page.text and "北京市朝阳区人民法院" in page.text
    assert f"/api/letters/share/{share['token']}/document.pdf" in page.text
    pdf = await client.get(f"/api/letters/share/{share['token']}/document.pdf")
    assert pdf.content == SEALED
    opens = (
        await client.get(f"/api/letters/letters/{lid}/shares/{share['id']}/opens", headers=lawyer)
    ).json()
    assert opens["count"] == 2
    page_open = next(o for o in opens["data"] if o["what"] == "page")
    assert (page_open["ip"], page_open["user_agent"]) == ("203.0.113.7", "WeChat/8.0")

    assert (await client.get("/share/not-a-real-token")).status_code == 404
    # the page in English through its switch, remembered for the next page (the client keeps it)
    english = await client.get(f"/share/{share['token']}?lang=en")
    assert english.status_code == 200 and "Download the letter (PDF)" in english.text
    assert english.cookies.get("lexseal_lang") == "en" and "下载函件" not in english.text
    gone_en = await client.get("/share/not-a-real-token")
    assert gone_en.status_code == 404 and "no longer works" in gone_en.text
    revoked = await client.delete(
        f"/api/letters/letters/{lid}/shares/{share['id']}", headers=lawyer
    )
    assert revoked.json()["state"] == "revoked"
    assert (await client.get(f"/share/{share['token']}")).status_code == 404
    gone = await client.get(f"/api/letters/share/{share['token']}/document.pdf")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "share_unavailable"


async def test_a_letter_type_with_the_cross_page_seal_asks_signing_for_it(
    settings: Any, auth: Any, helpers: Any, observer: Any
) -> None:
    from letters.bootstrap import create_app
    from letters.domain.numbering import LetterTypeConfig
    from servicekit.pytest_plugin import running

    seam = LetterTypeConfig("函", "律师事务所函", "Law firm letter", cross_page_seal=True)
    configured = settings.model_copy(update={"letter_types": (seam,)})
    async with running(create_app(configured)) as client:
        lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
        types = (await client.get("/api/letters/letter-types", headers=lawyer)).json()["data"]
        assert [(t["code"], t["cross_page_seal"]) for t in types] == [("函", True)]
        created = await client.post("/api/letters/letters", json=helpers.payload(), headers=lawyer)
        lid = created.json()["id"]
        await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
        approved = await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
        assert approved.status_code == 200, approved.text
        event = (await observer.wait_for("letter.approved"))[0]["data"]
        assert event["cross_page_seal"] is True


def _sealed_events_handled() -> float:
    """Return how many signing "sealed" events this process's consumers have handled."""
    from prometheus_client import REGISTRY

    kind = DocumentSealed.model_fields["type"].default
    return sum(
        REGISTRY.get_sample_value(
            "lexseal_events_consumed_total", {"type": kind, "outcome": outcome}
        )
        or 0.0
        for outcome in ("applied", "duplicate", "ignored")
    )


async def _async(value: bool) -> bool:
    return value
