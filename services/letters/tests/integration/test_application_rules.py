"""Application rules a lawyer and the administrator notice: rejection, dates, lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lexseal_events import SealFailed, SealFailedData
from servicekit.pytest_plugin import publish_raw
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration


def yesterday() -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()


async def test_rejected_letter_comes_back_with_reason_and_is_resubmitted(
    client: Any, auth: Any, helpers: Any, observer: Any
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    lid = (
        await client.post("/api/letters/letters", json=helpers.payload(), headers=lawyer)
    ).json()["id"]
    assert (
        await client.post(f"/api/letters/letters/{lid}/withdraw", headers=lawyer)
    ).status_code == 409
    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    locked = await client.patch(
        f"/api/letters/letters/{lid}", json={"recipient_org": "某看守所"}, headers=lawyer
    )
    assert locked.json()["error"]["code"] == "letter_not_editable"
    no_reason = await client.post(
        f"/api/letters/letters/{lid}/reject", json={"reason": " "}, headers=admin
    )
    assert no_reason.json()["error"]["code"] == "rejection_reason_required"
    rejected = await client.post(
        f"/api/letters/letters/{lid}/reject", json={"reason": "案由不符"}, headers=admin
    )
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == (
        "rejected",
        "案由不符",
    )
    assert (await observer.wait_for("letter.rejected"))[0]["data"]["reason"] == "案由不符"
    fixed = await client.patch(
        f"/api/letters/letters/{lid}", json={"cause_of_action": "合同纠纷"}, headers=lawyer
    )
    assert fixed.json()["cause_of_action"] == "合同纠纷"
    again = await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    assert (again.json()["status"], again.json()["rejection_reason"]) == ("submitted", None)
    withdrawn = await client.post(f"/api/letters/letters/{lid}/withdraw", headers=lawyer)
    assert withdrawn.json()["status"] == "withdrawn"
    assert len(await observer.wait_for("letter.withdrawn")) == 1
    assert (
        await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    ).status_code == 409


async def test_nobody_approves_their_own_letter(client: Any, auth: Any, helpers: Any) -> None:
    both = auth({"user_id": "clerk2", "username": "clerk2", "roles": ["lawyer", "letter_admin"]})
    lid = (await client.post("/api/letters/letters", json=helpers.payload(), headers=both)).json()[
        "id"
    ]
    await client.post(f"/api/letters/letters/{lid}/submit", headers=both)
    r = await client.post(f"/api/letters/letters/{lid}/approve", headers=both)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "self_approval_forbidden")


async def test_nobody_grants_their_own_letter_the_past_date_exception(
    client: Any, auth: Any, helpers: Any
) -> None:
    both = auth({"user_id": "clerk3", "username": "clerk3", "roles": ["lawyer", "letter_admin"]})
    lid = (await client.post("/api/letters/letters", json=helpers.payload(), headers=both)).json()[
        "id"
    ]
    r = await client.post(f"/api/letters/letters/{lid}/allow-past-date", headers=both)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "self_approval_forbidden")
    again = await client.patch(
        f"/api/letters/letters/{lid}", json={"letter_date": yesterday()}, headers=both
    )
    assert again.status_code == 422


async def test_letter_date_before_today_needs_the_administrator(
    client: Any, auth: Any, helpers: Any
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    past = await client.post(
        "/api/letters/letters", json=helpers.payload(letter_date=yesterday()), headers=lawyer
    )
    assert (past.status_code, past.json()["error"]["code"]) == (422, "letter_date_in_past")
    assert past.json()["error"]["message"] == "出函日期不能早于今天"
    lid = (
        await client.post("/api/letters/letters", json=helpers.payload(), headers=lawyer)
    ).json()["id"]
    refused = await client.patch(
        f"/api/letters/letters/{lid}", json={"letter_date": yesterday()}, headers=lawyer
    )
    assert refused.status_code == 422
    assert (
        await client.post(f"/api/letters/letters/{lid}/allow-past-date", headers=lawyer)
    ).status_code == 403
    await client.post(f"/api/letters/letters/{lid}/allow-past-date", headers=admin)
    ok = await client.patch(
        f"/api/letters/letters/{lid}", json={"letter_date": yesterday()}, headers=lawyer
    )
    assert ok.json()["letter_date"] == yesterday()
    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    approved = await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    assert approved.json()["status"] == "approved"
    late = await client.post(f"/api/letters/letters/{lid}/allow-past-date", headers=admin)
    assert late.status_code == 409  # a decided letter's date can no longer change


async def test_form_is_checked_in_chinese_and_english(client: Any, auth: Any, helpers: Any) -> None:
    lawyer = auth(helpers.lawyer)
    bad = await client.post(
        "/api/letters/letters", json=helpers.payload(case_serial_no="案件1"), headers=lawyer
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "case_serial_invalid")
    assert bad.json()["error"]["message"] == "案件流水号格式不正确"
    typ = await client.post(
        "/api/letters/letters",
        json=helpers.payload(letter_type="X"),
        headers={**lawyer, "accept-language": "en"},
    )
    assert typ.json()["error"] == {
        "code": "letter_type_invalid",
        "message": "Unknown letter type",
        "details": typ.json()["error"]["details"],
    }
    full_width = await client.post(
        "/api/letters/letters",
        headers=lawyer,
        json=helpers.payload(case_serial_no="ｍｓ－２０２６－０００１"),
    )
    assert full_width.json()["case_serial_no"] == "MS-2026-0001"
    types = (await client.get("/api/letters/letter-types", headers=lawyer)).json()
    assert [t["code"] for t in types["data"]] == ["函", "会", "调"]
    assert (
        await client.post(
            "/api/letters/letters", json=helpers.payload(), headers=auth(helpers.admin)
        )
    ).status_code == 403


async def test_lists_filter_and_page_newest_first(client: Any, auth: Any, helpers: Any) -> None:
    lawyer, other, admin = auth(helpers.lawyer), auth(helpers.other), auth(helpers.admin)
    ids = []
    for i in range(5):
        kind = "paper" if i % 2 else "electronic"
        serial = f"MS-2026-00000{i}"
        r = await client.post(
            "/api/letters/letters",
            json=helpers.payload(kind=kind, case_serial_no=serial),
            headers=lawyer,
        )
        ids.append(r.json()["id"])
    await client.post("/api/letters/letters", json=helpers.payload(), headers=other)
    seen, cursor = [], None
    while True:
        q = "/api/letters/letters?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(q, headers=lawyer)).json()
        seen += [x["id"] for x in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    paper = (await client.get("/api/letters/letters?kind=paper", headers=lawyer)).json()
    assert [x["id"] for x in paper["data"]] == [ids[3], ids[1]]
    by_serial = (
        await client.get("/api/letters/letters?case_serial_no=ms-2026-000002", headers=lawyer)
    ).json()
    assert [x["id"] for x in by_serial["data"]] == [ids[2]]
    drafts = (await client.get("/api/letters/letters?status=submitted", headers=lawyer)).json()
    assert drafts["count"] == 0
    tomorrow = helpers.payload()["letter_date"]
    in_range = await client.get(
        f"/api/letters/letters?date_from={tomorrow}&date_to={tomorrow}", headers=lawyer
    )
    assert in_range.json()["count"] == 5
    later = await client.get("/api/letters/letters?date_from=2999-01-01", headers=lawyer)
    assert later.json()["count"] == 0
    everyone = (await client.get("/api/letters/letters?scope=all", headers=admin)).json()
    assert everyone["count"] == 6
    assert (await client.get("/api/letters/letters?cursor=%%%", headers=lawyer)).status_code == 422


async def test_seal_failure_is_recorded_and_changes_are_audited(
    client: Any, auth: Any, helpers: Any, settings: Any, amqp_url: str, bus: dict[str, str]
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    lid = (
        await client.post("/api/letters/letters", json=helpers.payload(), headers=lawyer)
    ).json()["id"]
    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    event = SealFailed(
        source="lexseal/signing",
        subject=lid,
        data=SealFailedData(
            kind="letter", ref_id=lid, owner_id="lawyer-1", code="firm_key_missing", reason="no key"
        ),
    )
    await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)

    async def failed() -> Any:
        return (await client.get(f"/api/letters/letters/{lid}", headers=admin)).json()["seal_error"]

    assert await helpers.until(failed) == "firm_key_missing: no key"
    engine = create_async_engine(settings.database_url)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT action, actor_id FROM audit_log WHERE object_id = :id ORDER BY id"),
            {"id": lid},
        )
        actions = [tuple(r) for r in rows]
    await engine.dispose()
    assert actions == [
        ("letter.created", "lawyer-1"),
        ("letter.submitted", "lawyer-1"),
        ("letter.approved", "clerk1"),
        ("letter.seal_failed", "system"),
    ]


async def test_the_content_is_replaced_by_its_owner_while_editable(
    client: Any, auth: Any, helpers: Any
) -> None:
    lawyer, other = auth(helpers.lawyer), auth(helpers.other)
    lid = (
        await client.post("/api/letters/letters", json=helpers.payload(), headers=lawyer)
    ).json()["id"]
    content = {**helpers.payload()["content"], "matter": "二审诉讼代理", "body": "请予接洽。"}
    url = f"/api/letters/letters/{lid}/content"
    assert (await client.put(url, json=content, headers=other)).status_code == 404
    replaced = await client.put(url, json=content, headers=lawyer)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["matter"] == "二审诉讼代理" and replaced.json()["body"] == "请予接洽。"
    bad = await client.put(url, json={**content, "lawyers": []}, headers=lawyer)
    assert bad.status_code == 422
    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    late = await client.put(url, json=content, headers=lawyer)
    assert late.status_code == 409  # submitted: no longer editable
