"""The counterparty's journey on a phone: a 390×844 touch screen, from the link to the signed PDF.

The contract is prepared through the gateway by `lexseal demo --until invited`, which writes the
signer's `invitation_url`; everything after that is done by touch on the signer's page, without
any staff token (the sandbox bank notice and the sandbox SMS are shown on the page).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from lexseal_cli.demo import run_demo

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _phone(web: Any) -> Any:
    """Open a phone-sized touch context (as the signer's phone) and a tab in it."""
    ctx = web.browser.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
    )
    ctx.set_default_timeout(45_000)
    ctx.on("weberror", lambda e: web._problem(f"JS error (pageerror): {e.error}"))
    ctx.on("request", web._request)
    ctx.on("response", web._response)
    ctx.on("requestfailed", web._request_failed)
    web.contexts.append(ctx)
    return ctx.new_page()


def _swipe(page: Any, x: float, y0: float, dy: float) -> None:
    """Swipe a finger up by `dy` px from (x, y0): real touch events through CDP."""
    cdp = page.context.new_cdp_session(page)
    point = lambda y: [{"x": x, "y": y}]  # noqa: E731
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point(y0)})
    for i in range(1, 13):
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchMove", "touchPoints": point(y0 - dy * i / 12)},
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _touch_drag(page: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    """Drag with one finger from (x0, y0) to (x1, y1)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for i in range(1, 11):
        p = {"x": x0 + (x1 - x0) * i / 10, "y": y0 + (y1 - y0) * i / 10}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [p]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px screen"


def test_the_counterparty_signs_on_a_phone(web: Any, tmp_path: Path) -> None:
    summary = run_demo(gateway=web.base, out=tmp_path / "demo", until="invited")
    written = json.loads((tmp_path / "demo" / "summary.json").read_text())
    link = written["invitation_url"]
    assert link == summary["invitation_url"] and re.fullmatch(rf"{web.base}/sign/[\w-]+", link)
    company = "上海示例科技有限公司"

    page = _phone(web)
    page.goto(link)
    page.wait_for_selector("#ent:visible")
    # who asks: the firm and the sending lawyer; pinch-zoom is never switched off
    assert page.inner_text("#firm") == "北京某某律师事务所"
    assert page.inner_text("#sender").strip() not in ("", "—")
    viewport = page.get_attribute("meta[name=viewport]", "content") or ""
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport
    assert page.locator("#sandbox").is_visible()  # the sandbox is labelled as such
    _no_horizontal_overflow(page)
    web.shot(page, "phone-landing")

    # enterprise details with one field left empty: named in Chinese and highlighted
    page.fill("#cname", company)
    page.tap("#entBtn")
    page.wait_for_selector("#err:has-text('统一社会信用代码')")
    assert page.get_attribute("#ccode", "aria-invalid") == "true"
    ids = summary["ids"]["contract"]
    risk = web.token("risk1")
    lawyer = web.token("lawyer1")
    env = httpx.get(
        f"{web.base}/api/signing/envelopes/{ids['envelope_id']}",
        headers={"Authorization": f"Bearer {lawyer}"},
        timeout=30,
    ).json()
    details = summary["ids"]["company"]  # what the demo registered, to be typed in
    page.fill("#ccode", details["credit_code"])
    page.fill("#legal", details["legal_representative"])
    page.fill("#acct", details["bank_account_number"])
    page.tap("#entBtn")
    page.wait_for_selector("#amt:visible")

    # the sandbox bank notice shows the amount; the budget and a resend confirmation too
    notice = page.wait_for_selector("#bankNotice:visible")
    first = page.inner_text("#bankAmount")
    assert re.fullmatch(r"0\.\d\d", first), first
    assert "沙箱" in notice.inner_text()
    assert "今日还可申请打款 4 次" in page.inner_text("#budget")
    page.tap("#again")
    page.wait_for_selector("#againDlg[open]")
    page.tap("#againBtn")
    page.wait_for_selector("#ok:has-text('已重新打款')")
    assert "今日还可申请打款 3 次" in page.inner_text("#budget")
    web.shot(page, "phone-bank-notice")
    page.fill("#amount", page.inner_text("#bankAmount"))
    page.tap("#amtBtn")
    page.wait_for_selector("#sealStep:visible")

    # every page in one column, page 1 first; a swipe over the document scrolls it
    pages = page.locator(".page")
    count = pages.count()
    assert count == len(env["pages"]) >= 2
    assert page.evaluate("window.scrollY") < pages.nth(0).bounding_box()["y"] + 10
    assert page.evaluate("getComputedStyle(document.querySelector('.page')).touchAction") in (
        "auto",
        "manipulation",
    )
    first_page = pages.nth(0).bounding_box()
    assert first_page["width"] >= PHONE["width"] - 40  # the full width of the phone
    page.evaluate("window.scrollTo(0, document.querySelector('.page').offsetTop)")
    before = page.evaluate("window.scrollY")
    _swipe(page, PHONE["width"] / 2, 600, 300)
    page.wait_for_timeout(300)
    assert page.evaluate("window.scrollY") - before > 150, "a swipe over the page did not scroll"
    # the jump to where one seals: the last page; every page image is reachable and loads
    page.tap("#jumpBtn")
    page.wait_for_timeout(800)
    for i in range(count):
        pages.nth(i).scroll_into_view_if_needed()
    web.images_loaded(page, ".page img.doc", count)
    assert page.locator(".qr-zone").count() == count  # the QR keep-out box on every page

    # the sign button says why it waits; a tap on the last page places the seal
    _no_horizontal_overflow(page)
    assert page.locator("#signBtn").is_disabled()
    assert "点按页面放置印章" in page.inner_text("#why")
    last = pages.nth(count - 1)
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.wait_for_selector(".page #seal")
    assert f"第 {count} 页" in page.inner_text("#why")
    # then a finger drags the placed seal (and only the seal: it alone takes the touch)
    seal = page.locator("#seal").bounding_box()
    start = (seal["x"] + seal["width"] / 2, seal["y"] + seal["height"] / 2)
    y_before = page.evaluate("window.scrollY")
    _touch_drag(page, *start, start[0] + 60, start[1] + 40)
    moved = page.locator("#seal").bounding_box()
    assert moved["x"] - seal["x"] > 30 and moved["y"] - seal["y"] > 20, (seal, moved)
    assert abs(page.evaluate("window.scrollY") - y_before) < 5
    web.shot(page, "phone-seal-placed")

    # consent and the SMS code, then the binding signature with a busy button
    page.tap("#signBtn")
    page.wait_for_selector("#confirmDlg[open]")
    assert company in page.inner_text("#consentText")
    page.tap("#confirmBtn")
    page.wait_for_selector("#dlgErr:has-text('勾选')")  # no consent, no signature
    page.check("#consent")
    page.tap("#codeBtn")
    code = page.wait_for_selector("#smsCode:not(:empty)").inner_text()
    assert re.fullmatch(r"\d{6}", code)
    assert "138****8000" in page.inner_text("#intentText")
    assert page.locator("#codeBtn").is_disabled()  # resend waits a minute
    web.shot(page, "phone-consent-sms")
    wrong = "000000" if code != "000000" else "111111"
    page.fill("#code", wrong)
    with web.provoking(r"HTTP 422 POST /api/signing/invite/[^/]+/intent/confirm"):
        page.tap("#confirmBtn")
        page.wait_for_selector("#dlgErr:has-text('还可输入 4 次')")
    page.fill("#code", code)
    page.evaluate(
        """() => { window.busySeen = false; const b = document.getElementById('confirmBtn');
        new MutationObserver(() => { if (b.disabled && b.classList.contains('busy'))
        window.busySeen = true; }).observe(b, {attributes: true}); }"""
    )
    page.tap("#confirmBtn")
    page.wait_for_selector("#done:visible")
    assert page.evaluate("window.busySeen"), "no busy state while signing"
    assert "签署完成" in page.inner_text("#done")
    assert page.locator("#declineCard").is_hidden()  # nothing to decline any more
    assert page.locator("#dl").is_hidden()  # the firm has not signed yet
    web.shot(page, "phone-done-waiting")

    # the firm signs; the finished screen offers the signed PDF by itself (short polling)
    r = httpx.post(
        f"{web.base}/api/signing/envelopes/{ids['envelope_id']}/firm-sign",
        json={"page": count - 1, "x": 60, "y": 300, "width": 110, "height": 110},
        headers={"Authorization": f"Bearer {risk}"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    page.wait_for_selector("#dl:visible", timeout=40_000)
    with page.expect_download() as download:
        page.tap("#dl")
    signed = tmp_path / "signed.pdf"
    download.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF")
    web.shot(page, "phone-done-download")

    # the verification page on the phone: cards, Beijing time, no sideways scrolling
    verify = _phone(web)
    verify.goto(summary["verification_url"])
    verify.wait_for_selector("text=文件完整，签名有效")
    cards = verify.locator("section.card.sig")
    assert cards.count() == 2
    assert company in cards.nth(0).inner_text()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cards.nth(0).inner_text())
    _no_horizontal_overflow(verify)
    # the technical detail waits behind a toggle
    toggle = cards.nth(0).locator("details").first
    assert toggle.get_attribute("open") is None
    assert "证书签发机构" in cards.nth(0).inner_text()
    toggle.locator("summary").tap()
    verify.wait_for_selector("section.card.sig details[open]")
    web.shot(verify, "phone-verify")
    # an uploaded file's result is the same page on the phone, never raw JSON
    verify.set_input_files("#upload input[type=file]", str(signed))
    verify.tap("#upload button[type=submit]")
    verify.wait_for_selector("text=文件完整，签名有效")
    assert verify.locator("section.card.sig").count() == 2
    assert not verify.inner_text("body").lstrip().startswith("{")
    _no_horizontal_overflow(verify)
    verify.goto(summary["verification_url"])

    # the language switch: English when chosen, remembered across pages and reloads
    verify.tap("#lang")
    verify.wait_for_selector("text=The file is intact and every signature is valid")
    verify.reload()
    verify.wait_for_selector("text=The file is intact and every signature is valid")
    verify.goto(link)
    verify.wait_for_selector("#done:visible")
    assert "Signed" in verify.inner_text("#done h2")
    assert verify.inner_text("#lang") == "中文"
    _no_horizontal_overflow(verify)
    web.shot(verify, "phone-english")
    verify.tap("#lang")
    verify.wait_for_selector("#done h2:has-text('签署完成')")


def _individual_invited(base: str) -> tuple[str, str]:
    """Through the gateway, as the demo does: a contract with one individual, approved, invited."""
    from cnid import make_resident_id
    from lexseal_cli.client import Gateway, wait_for
    from lexseal_cli.sample import contract_pdf

    lawyer = Gateway(base).login("lawyer1", "demo-password")
    risk = Gateway(base).login("risk1", "demo-password")
    try:
        c = lawyer.call(
            "POST",
            "/api/contract/contracts",
            json={
                "title": "个人委托合同",
                "contract_type": "service",
                "client_name": "李四",
                "amount": "8000.00",
            },
        )
        pdf = contract_pdf(title="个人委托合同", parties=("李四", "示例律师事务所"))
        lawyer.call(
            "PUT",
            f"/api/contract/contracts/{c['id']}/document",
            files={"file": ("c.pdf", pdf, "application/pdf")},
        )
        signer = lawyer.call(
            "POST",
            f"/api/contract/contracts/{c['id']}/signers",
            json={**PERSON, "kind": "individual", "id_number": make_resident_id(seq=31)},
        )
        lawyer.call("POST", f"/api/contract/contracts/{c['id']}/submit")

        def queued() -> Any:
            items = risk.call("GET", "/api/review/queue", params={"state": "pending"})["data"]
            return next((i for i in items if i["contract_id"] == c["id"]), None)

        item = wait_for("the review item", queued)
        risk.call("POST", f"/api/review/items/{item['id']}/claim")
        keys = [x["key"] for x in risk.call("GET", f"/api/review/items/{item['id']}")["checklist"]]
        risk.call("POST", f"/api/review/items/{item['id']}/approve", json={"confirmations": keys})

        def envelope() -> Any:
            env = lawyer.call("GET", "/api/signing/envelopes", params={"contract_id": c["id"]})
            return env["data"][0] if env["data"] else None

        env = wait_for("the envelope", envelope)
        inv = lawyer.call(
            "POST",
            f"/api/signing/envelopes/{env['id']}/invitations",
            json={"signer_id": signer["id"]},
        )
        return str(inv["url"]), make_resident_id(seq=31)
    finally:
        lawyer.close()
        risk.close()


PERSON = {"name": "李四", "mobile": "13700137000"}


def _sandbox_face_secret(system: Any) -> bytes:
    """The sandbox face provider's callback secret, derived as the signing service derives it."""
    import hashlib

    passphrase = (system.data_dir.resolve() / "secrets/signing-key.secret").read_text().strip()
    return hashlib.sha256(b"lexseal-sandbox-face-callback:" + passphrase.encode()).digest()


def test_an_individual_passes_three_elements_and_the_hosted_face_check(
    web: Any, system: Any
) -> None:
    link, id_number = _individual_invited(web.base)
    page = _phone(web)
    page.goto(link)
    page.wait_for_selector("#ind:visible")
    page.fill("#name", PERSON["name"])
    page.fill("#idno", id_number)
    page.fill("#mobile", "13700137001")  # not the number the lawyer entered
    with web.provoking(r"HTTP 422 POST /api/signing/invite/[^/]+/verify/individual"):
        page.tap("#indBtn")
        page.wait_for_selector("#err:has-text('不一致')")
    page.fill("#mobile", PERSON["mobile"])
    page.tap("#indBtn")
    page.wait_for_selector("#face:visible")
    web.shot(page, "phone-face-start")
    # the provider's hosted page (the sandbox's own, labelled), then back with a signed callback
    page.tap("#faceBtn")
    page.wait_for_url(re.compile(r".*/sign/face-sandbox/sandbox-h5-[0-9a-f]+\?return=.*"))
    page.wait_for_selector(".sandbox:has-text('沙箱')")
    web.shot(page, "phone-face-sandbox")
    reference = page.url.split("?", 1)[0].rsplit("/", 1)[1]

    # the public callback route, through the gateway: only the provider's signature counts
    from signing.adapters.providers.face_h5 import sign_body

    callback = f"{web.base}/sign/face/callback"

    def deliver(body: bytes, signature: str) -> httpx.Response:
        headers = {"x-lexseal-signature": signature, "content-type": "application/json"}
        return httpx.post(callback, content=body, headers=headers, timeout=30)

    forged = json.dumps({"session_id": reference, "passed": True}).encode()
    r = deliver(forged, sign_body(b"not the provider's secret", forged))
    assert r.status_code == 403 and r.json()["error"]["code"] == "face_callback_rejected", r.text
    other = json.dumps({"session_id": "sandbox-h5-" + "0" * 32, "passed": True}).encode()
    r = deliver(other, sign_body(_sandbox_face_secret(system), other))  # no such session
    assert r.status_code == 404 and r.json()["error"]["code"] == "face_session_not_found", r.text

    # the sandbox page delivers its own signed callback to that route; the signer's page goes on
    with page.expect_request(lambda q: q.url == callback and q.method == "POST") as sent:
        page.tap("#pass")
    delivered = sent.value
    assert delivered.response() is not None and delivered.response().status == 200
    page.wait_for_url(link)
    page.wait_for_selector("#sealStep:visible")
    assert page.locator(".page").count() >= 2
    _no_horizontal_overflow(page)
    # the provider retries the same callback (its answer lost): acknowledged again, no 2nd effect
    body = (delivered.post_data or "").encode()
    r = deliver(body, delivered.headers["x-lexseal-signature"])
    assert r.status_code == 200 and r.json() == {"received": True, "status": "passed"}, r.text
    # a different result for the answered session, validly signed, is refused and changes nothing
    flipped = json.dumps({"session_id": reference, "passed": False, "reason": "x"}).encode()
    r = deliver(flipped, sign_body(_sandbox_face_secret(system), flipped))
    assert r.status_code == 409 and r.json()["error"]["code"] == "face_callback_replayed", r.text
    page.reload()
    page.wait_for_selector("#sealStep:visible")


def test_declining_on_a_phone_asks_first_and_is_offered_only_while_it_can_succeed(
    web: Any,
) -> None:
    link, _ = _individual_invited(web.base)
    page = _phone(web)
    page.goto(link)
    page.wait_for_selector("#declineCard:visible")
    # a tap opens a confirmation; cancelling it changes nothing
    page.tap("#declineOpen")
    page.wait_for_selector("#declineDlg[open]")
    page.tap("#declineCancel")
    page.wait_for_selector("#declineDlg", state="hidden")
    page.reload()
    page.wait_for_selector("#ind:visible")
    assert page.locator("#declineCard").is_visible() and page.locator("#closed").is_hidden()
    # no reason, no decline: the field is named and highlighted
    page.tap("#declineOpen")
    page.wait_for_selector("#declineDlg[open]")
    page.tap("#declineBtn")
    page.wait_for_selector("#declineErr:not(:empty)")
    assert page.get_attribute("#reason", "aria-invalid") == "true"
    page.fill("#reason", "合同金额与约定不符")
    page.tap("#declineBtn")
    page.wait_for_selector("#closed:visible")
    # declined: nothing more to decline, no identity step
    assert page.locator("#declineCard").is_hidden() and page.locator("#ind").is_hidden()
    web.shot(page, "phone-declined")
    page.reload()
    page.wait_for_selector("#closed:visible")
    assert page.locator("#declineCard").is_hidden()
