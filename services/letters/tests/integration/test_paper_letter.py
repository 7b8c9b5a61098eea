"""Paper letters: the address book, mail only to the applicant, and the steps after approval."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest
from letters.bootstrap import create_app
from servicekit.pytest_plugin import running

pytestmark = pytest.mark.integration

HOME = {
    "name": "张律师",
    "phone": "13800000000",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "street": "建国路88号",
}
OFFICE = {**HOME, "district": "东城区", "street": "东长安街1号"}


async def test_address_book_keeps_exactly_one_default(client: Any, auth: Any, helpers: Any) -> None:
    lawyer, other = auth(helpers.lawyer), auth(helpers.other)
    first = (await client.post("/api/letters/addresses", json=HOME, headers=lawyer)).json()
    assert first["is_default"] is True
    second = (
        await client.post(
            "/api/letters/addresses", json={**OFFICE, "is_default": True}, headers=lawyer
        )
    ).json()
    book = (await client.get("/api/letters/addresses", headers=lawyer)).json()["data"]
    assert [(a["id"], a["is_default"]) for a in book] == [
        (second["id"], True),
        (first["id"], False),
    ]
    again = await client.patch(
        f"/api/letters/addresses/{first['id']}", json={"is_default": True}, headers=lawyer
    )
    assert again.json()["is_default"] is True
    book = (await client.get("/api/letters/addresses", headers=lawyer)).json()["data"]
    assert sum(a["is_default"] for a in book) == 1
    assert (await client.get("/api/letters/addresses", headers=other)).json()["count"] == 0
    assert (
        await client.delete(f"/api/letters/addresses/{first['id']}", headers=other)
    ).status_code == 404
    assert (
        await client.delete(f"/api/letters/addresses/{first['id']}", headers=lawyer)
    ).status_code == 204
    book = (await client.get("/api/letters/addresses", headers=lawyer)).json()["data"]
    assert [(a["id"], a["is_default"]) for a in book] == [(second["id"], True)]


async def test_mail_goes_only_to_the_applicant_with_a_snapshot_address(
    client: Any, auth: Any, helpers: Any, observer: Any
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    addr = (await client.post("/api/letters/addresses", json=HOME, headers=lawyer)).json()
    created = await client.post(
        "/api/letters/letters", json=helpers.payload(kind="paper"), headers=lawyer
    )
    lid = created.json()["id"]
    incomplete = await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    assert incomplete.status_code == 422
    assert incomplete.json()["error"]["details"] == {"missing": ["delivery"]}

    to_court = await client.put(
        f"/api/letters/letters/{lid}/delivery",
        headers=lawyer,
        json={"method": "mail", "recipient_id": "court-1"},
    )
    assert to_court.status_code == 403
    assert to_court.json()["error"]["code"] == "mail_recipient_not_applicant"
    assert to_court.json()["error"]["message"] == "纸质所函只能邮寄给申请律师本人"
    en = await client.put(
        f"/api/letters/letters/{lid}/delivery",
        json={"method": "mail", "recipient_name": "某公司"},
        headers={**lawyer, "accept-language": "en"},
    )
    assert (
        en.json()["error"]["message"] == "A paper letter can only be mailed to the applying lawyer"
    )

    mail = await client.put(
        f"/api/letters/letters/{lid}/delivery",
        headers=lawyer,
        json={"method": "mail", "mail_recipient_id": "x"},
    )
    assert mail.status_code == 200, mail.text
    body = mail.json()
    assert (body["delivery"], body["mail_recipient_id"]) == ("mail", "lawyer-1")
    assert body["mail_address"]["street"] == "建国路88号"  # the default address was chosen
    await client.patch(
        f"/api/letters/addresses/{addr['id']}", json={"street": "新地址1号"}, headers=lawyer
    )
    kept = (await client.get(f"/api/letters/letters/{lid}", headers=lawyer)).json()
    assert kept["mail_address"]["street"] == "建国路88号"

    assert (
        await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    ).status_code == 200
    assert (
        await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    ).status_code == 200
    assert (
        await client.post(f"/api/letters/letters/{lid}/printed", headers=lawyer)
    ).status_code == 403
    wrong = await client.post(f"/api/letters/letters/{lid}/ready-for-pickup", headers=admin)
    assert wrong.status_code == 409
    early = await client.post(
        f"/api/letters/letters/{lid}/mailed",
        headers=admin,
        json={"courier": "顺丰", "tracking_no": "SF1"},
    )
    assert early.json()["error"]["code"] == "letter_invalid_transition"
    assert (await client.post(f"/api/letters/letters/{lid}/printed", headers=admin)).json()[
        "status"
    ] == "printed"
    no_tracking = await client.post(f"/api/letters/letters/{lid}/mailed", headers=admin, json={})
    assert no_tracking.json()["error"]["code"] == "tracking_required"
    mailed = await client.post(
        f"/api/letters/letters/{lid}/mailed",
        headers=admin,
        json={"courier": "顺丰速运", "tracking_no": "SF1234567890"},
    )
    assert (mailed.json()["status"], mailed.json()["tracking_no"]) == ("mailed", "SF1234567890")
    assert (await client.post(f"/api/letters/letters/{lid}/received", headers=admin)).json()[
        "status"
    ] == "received"

    papers = (await client.get("/api/letters/letters?kind=paper", headers=lawyer)).json()["data"]
    assert [(p["id"], p["status"], p["courier"]) for p in papers] == [(lid, "received", "顺丰速运")]
    mailed_event = (await observer.wait_for("letter.mailed"))[0]["data"]
    assert (mailed_event["owner_id"], mailed_event["tracking_no"]) == ("lawyer-1", "SF1234567890")
    assert len(await observer.wait_for("letter.received")) == 1


async def test_pickup_letter_goes_ready_then_picked_up(
    client: Any, auth: Any, helpers: Any, observer: Any
) -> None:
    lawyer, admin = auth(helpers.lawyer), auth(helpers.admin)
    payload = helpers.payload(kind="paper", delivery={"method": "pickup"})
    lid = (await client.post("/api/letters/letters", json=payload, headers=lawyer)).json()["id"]
    await client.post(f"/api/letters/letters/{lid}/submit", headers=lawyer)
    await client.post(f"/api/letters/letters/{lid}/approve", headers=admin)
    await client.post(f"/api/letters/letters/{lid}/printed", headers=admin)
    wrong = await client.post(
        f"/api/letters/letters/{lid}/mailed",
        headers=admin,
        json={"courier": "顺丰", "tracking_no": "SF1"},
    )
    assert wrong.json()["error"]["code"] == "letter_wrong_delivery_method"
    ready = await client.post(f"/api/letters/letters/{lid}/ready-for-pickup", headers=admin)
    assert ready.json()["status"] == "ready_for_pickup"
    done = await client.post(f"/api/letters/letters/{lid}/picked-up", headers=admin)
    assert done.json()["status"] == "picked_up"
    assert len(await observer.wait_for("letter.picked_up")) == 1


async def test_mail_without_any_address_is_refused(client: Any, auth: Any, helpers: Any) -> None:
    lawyer = auth(helpers.lawyer)
    payload = helpers.payload(kind="paper", delivery={"method": "mail"})
    r = await client.post("/api/letters/letters", json=payload, headers=lawyer)
    assert r.json()["error"]["code"] == "mail_address_required"
    electronic = helpers.payload(delivery={"method": "pickup"})
    r = await client.post("/api/letters/letters", json=electronic, headers=lawyer)
    assert r.json()["error"]["code"] == "delivery_not_for_electronic"
    inline = helpers.payload(
        kind="paper", delivery={"method": "mail", "address": OFFICE, "save_to_book": True}
    )
    r = await client.post("/api/letters/letters", json=inline, headers=lawyer)
    assert r.status_code == 201 and r.json()["mail_address"]["street"] == "东长安街1号"
    book = (await client.get("/api/letters/addresses", headers=lawyer)).json()["data"]
    assert [(a["street"], a["is_default"]) for a in book] == [("东长安街1号", True)]


async def test_the_address_book_and_a_new_mail_address_hold_only_the_applicants_own(
    client: Any, auth: Any, helpers: Any
) -> None:
    lawyer = auth(helpers.lawyer)
    court = {**HOME, "name": "上海市某区人民法院"}
    r = await client.post("/api/letters/addresses", json=court, headers=lawyer)
    assert r.status_code == 403 and r.json()["error"]["code"] == "mail_recipient_not_applicant"
    assert r.json()["error"]["details"]["field"] == "name"
    inline = helpers.payload(
        kind="paper", delivery={"method": "mail", "address": court, "save_to_book": True}
    )
    r = await client.post("/api/letters/letters", json=inline, headers=lawyer)
    assert r.json()["error"]["code"] == "mail_recipient_not_applicant"
    assert (await client.get("/api/letters/addresses", headers=lawyer)).json()["data"] == []
    mine = (await client.post("/api/letters/addresses", json=HOME, headers=lawyer)).json()
    r = await client.patch(
        f"/api/letters/addresses/{mine['id']}", json={"name": "上海市某区人民法院"}, headers=lawyer
    )
    assert r.status_code == 403


async def test_first_addresses_saved_at_once_on_two_replicas_leave_one_default(
    settings: Any, auth: Any, helpers: Any
) -> None:
    # Six addresses and six paper letters saving one, at once on two replicas. The first
    # address of a book becomes its default; two requests that both saw an empty
    # book used to both insert a default, and the loser answered 500 (unique default index).
    lawyer = auth(helpers.lawyer)
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(running(create_app(settings))) for _ in range(2)]

        def add(i: int) -> Any:
            body = {**HOME, "street": f"建国路{i}号"}
            return clients[i % 2].post("/api/letters/addresses", json=body, headers=lawyer)

        def mail(i: int) -> Any:
            address = {**HOME, "street": f"东长安街{i}号"}
            delivery = {"method": "mail", "address": address, "save_to_book": True}
            payload = helpers.payload(kind="paper", delivery=delivery)
            return clients[i % 2].post("/api/letters/letters", json=payload, headers=lawyer)

        answers = await asyncio.gather(*(f(i) for i in range(6) for f in (add, mail)))
        assert [r.status_code for r in answers] == [201] * 12, [r.text for r in answers]
        book = (await clients[0].get("/api/letters/addresses", headers=lawyer)).json()["data"]
    assert len(book) == 12
    assert sum(a["is_default"] for a in book) == 1
