"""The staff's daily work in the browser: reminding a pending signer, screens that follow events."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from lexseal_cli.demo import letter_body, run_demo

pytestmark = pytest.mark.e2e


def test_the_lawyer_reminds_a_pending_signer_without_voiding_the_link(
    web: Any, tmp_path: Path
) -> None:
    # --until verified: the signer has passed the sandbox identity check but not signed
    summary = run_demo(gateway=web.base, out=tmp_path / "demo", until="verified")
    cid = summary["contract_id"]
    link = summary["invitation_url"]
    token = link.rsplit("/", 1)[1]
    state = httpx.get(f"{web.base}/api/signing/invite/{token}", timeout=30).json()
    assert state["signer"]["status"] == "verified" and state["envelope"]["status"] == "prepared"
    lawyer = web.login("lawyer1")
    web.open(lawyer, f"contracts/{cid}")
    row = lawyer.wait_for_selector("tr:has(button:has-text('提醒签署'))")
    # the link's expiry, in Beijing time to the minute, never a raw ISO string
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row.inner_text())
    assert "T" not in row.inner_text().split("提醒")[0].replace("Remind", "")
    # the block shows the same status as the header
    assert lawyer.locator(".page-head .badge").first.inner_text() in lawyer.inner_text(
        "section.card:has-text('签署状态')"
    )
    # actors by name: the invitation was sent by the lawyer, not by "signing"
    assert "· 张律师" in lawyer.inner_text("li:has-text('发出签章邀请')")
    web.shot(lawyer, "remind-before")
    lawyer.click("button:has-text('提醒签署')")
    lawyer.wait_for_selector(".toast:has-text('再次发送签署链接')")
    again = lawyer.wait_for_selector("button:has-text('提醒签署（1）')")
    assert again.is_disabled() and "后可再次提醒" in (again.get_attribute("title") or "")
    web.shot(lawyer, "remind-after")

    # the list shows who has yet to sign, until when their link works, and the deadline
    web.open(lawyer, "contracts")
    row = lawyer.locator(f"table.list tbody tr:has(a[href='#/contracts/{cid}'])")
    lawyer.wait_for_function(
        "(cid) => [...document.querySelectorAll('table.list tbody tr')].some((r) =>"
        " r.querySelector(`a[href='#/contracts/${cid}']`) && r.textContent.includes(' · 至 '))",
        arg=cid,
    )
    cells = row.locator("td")
    assert "上海示例科技有限公司" in cells.nth(4).inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells.nth(5).inner_text().strip())
    web.shot(lawyer, "contract-list-columns")
    # one deadline: the contract screen names the same one, and no other
    deadline = cells.nth(5).inner_text().strip()
    web.open(lawyer, f"contracts/{cid}")
    lawyer.wait_for_selector("tr:has(button:has-text('提醒签署'))")
    shown = re.findall(r"签署截止 (\d{4}-\d\d-\d\d \d\d:\d\d)", lawyer.inner_text("#main"))
    assert shown == [deadline], (shown, deadline)

    # the SMS went out through notify's SMS port, with the same link; the link still works
    admin = {"Authorization": f"Bearer {web.token('admin')}"}

    def reminder_sms() -> bool:
        sent = httpx.get(web.base + "/api/notify/outbox-messages", headers=admin, timeout=30)
        return any(m["channel"] == "sms" and link in m["body"] for m in sent.json()["data"])

    deadline = time.monotonic() + 120  # the event reaches notify over the bus
    while not reminder_sms():
        assert time.monotonic() < deadline, "the reminder SMS never reached notify"
        time.sleep(1)
    assert httpx.get(link, timeout=30).status_code == 200


def test_a_letter_screen_shows_the_seal_by_itself(web: Any) -> None:
    lawyer_token = web.token("lawyer1")
    auth = {"Authorization": f"Bearer {lawyer_token}"}
    letter = httpx.post(
        web.base + "/api/letters/letters", json=letter_body("electronic"), headers=auth, timeout=30
    ).json()
    httpx.post(f"{web.base}/api/letters/letters/{letter['id']}/submit", headers=auth, timeout=30)

    lawyer = web.login("lawyer1")
    web.open(lawyer, f"letters/{letter['id']}")
    lawyer.wait_for_selector(".page-head .badge[data-status=submitted]")
    lawyer.evaluate("window.notReloaded = true")  # gone if the page were loaded afresh

    clerk = {"Authorization": f"Bearer {web.token('clerk1')}"}
    r = httpx.post(
        f"{web.base}/api/letters/letters/{letter['id']}/approve", json={}, headers=clerk, timeout=30
    )
    assert r.status_code == 200, r.text
    # approval, then the seal (from the signing service, over the bus): no reload by anyone
    lawyer.wait_for_selector(".page-head .badge[data-status=sealed]", timeout=120_000)
    lawyer.wait_for_selector("h3:has-text('盖章函件')")
    assert lawyer.evaluate("window.notReloaded === true")
    web.shot(lawyer, "letter-sealed-live")
