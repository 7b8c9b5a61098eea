"""The staff client's language: Chinese by default, English by a remembered switch.

The choice survives a reload and signing out, the screens' fixed texts come from the English
catalogue, and the API's own error messages (the gateway's and a service's) follow it, because
the client sends the choice as Accept-Language.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password"  # the demo users' (conftest.PASSWORD)
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_switching_to_english_is_remembered_and_api_errors_follow(web: Any) -> None:
    page = web.login("lawyer1")
    assert page.locator("#nav a").first.inner_text() == "合同申请"
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("#lang") == "English"

    page.click("#lang")
    page.wait_for_selector("#nav a:text-is('Contracts')")
    web.settle(page)
    page.reload()  # remembered: still English after a reload
    page.wait_for_selector("#nav a:text-is('Contracts')")
    web.settle(page)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#lang") == "中文"
    assert page.evaluate("document.cookie").count("lexseal_lang=en") == 1
    chrome = page.inner_text("#nav") + page.inner_text("#main .page-head")
    assert CJK.search(chrome) is None, chrome
    web.shot(page, "contracts-in-english")

    # the public pages of the same site follow the choice (the server reads the cookie)
    public = page.context.new_page()
    with web.provoking(r"HTTP 404 GET /verify/NO-SUCH-CODE", r"HTTP 404 GET /share/no-such-token"):
        public.goto(f"{web.base}/verify/NO-SUCH-CODE")
        public.wait_for_selector("text=No document has this verification code")
        public.goto(f"{web.base}/share/no-such-token")
        public.wait_for_selector("h1:text-is('This link no longer works')")
    public.close()

    # a service's own message, in English: the letters service refuses a date in the past
    web.open(page, "letters/new")
    label = page.inner_text("label.field:has(input[name=letter_date]) .lbl")
    assert label.startswith("Letter date")
    page.fill("input[name=case_serial_no]", "2026-MS-EN0001")
    page.fill("input[name=cause_of_action]", "Sale of goods dispute")
    page.select_option("select[name=letter_type]", index=0)
    page.fill("input[name=letter_date]", "2020-01-02")
    page.fill("input[name=recipient_org]", "Acme Ltd")
    page.fill("input[name=client_name]", "Example Technology Co.")
    page.fill("input[name=matter]", "Investigation")
    page.fill("input[name=lawyer_name]", "Zhang")
    page.fill("input[name=lawyer_licence]", "11101201910123456")
    page.fill("textarea[name=body]", "Please assist our lawyer.")
    with web.provoking(r"HTTP 422 (POST|PUT|PATCH) /api/letters/.*"):
        page.click("button:text-is('Save draft')")
        toast = page.wait_for_selector(".toast.error")
        assert toast.inner_text() == "The letter date cannot be earlier than today"
    web.shot(page, "letter-error-in-english")

    # signed out, the login screen stays English, and so does the gateway's refusal
    page.click("#user button:text-is('Logout')")
    page.wait_for_selector("form.login h2:text-is('Sign in')")
    page.fill("input[name=username]", "lawyer1")
    page.fill("input[name=password]", PASSWORD + "-wrong")
    with web.provoking(r"HTTP 401 POST /api/auth/login"):
        page.click("form.login button[type=submit]")
        err = page.wait_for_selector("form.login .alert.error:not([hidden])")
        assert err.inner_text() == "Wrong username or password"

    page.click("#lang")  # and back to Chinese
    page.wait_for_selector("form.login h2:text-is('登录')")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.evaluate("document.cookie").count("lexseal_lang=zh") == 1


FIXED = (
    "#nav a, #user button, #main h2, #main h3, #main thead th, #main button, #main nav.tabs a,"
    " #main label.field .lbl, #main select[name=status] option"
)


@pytest.mark.parametrize("user", ["lawyer1", "risk1", "clerk1"])
def test_every_screen_of_a_role_is_english_once_chosen(web: Any, user: str) -> None:
    page = web.login(user)
    page.click("#lang")
    page.wait_for_selector("#lang:text-is('中文')")
    web.settle(page)
    nav = page.locator("#nav a")
    for i in range(nav.count()):
        path = nav.nth(i).get_attribute("data-path")
        nav.nth(i).click()
        page.wait_for_selector(f"#nav a.active[data-path='{path}']")
        web.settle(page)
        texts = page.eval_on_selector_all(FIXED, "els => els.map((e) => e.textContent)")
        chinese = [x for x in texts if CJK.search(x)]
        assert chinese == [], f"{user}, screen {i}: {chinese}"
        web.shot(page, f"{user}-{i}-english")
    if user == "lawyer1":  # the application form's labels and hints
        web.open(page, "contracts/new")
        texts = page.eval_on_selector_all(
            FIXED + ", #main small.hint", "els => els.map((e) => e.textContent)"
        )
        assert [x for x in texts if CJK.search(x)] == []


def test_notifications_follow_the_readers_language(web: Any) -> None:
    """A contract submitted in Chinese reaches risk control as an English notification."""
    from cnid import make_resident_id
    from lexseal_cli.client import Gateway
    from lexseal_cli.sample import contract_pdf

    lawyer = Gateway(web.base).login("lawyer1", PASSWORD)
    try:
        title = "英文通知合同"
        c = lawyer.call(
            "POST",
            "/api/contract/contracts",
            json={
                "title": title,
                "contract_type": "service",
                "client_name": "王五",
                "amount": "100.00",
            },
        )
        pdf = contract_pdf(title=title, parties=("王五", "示例律师事务所"))
        lawyer.call(
            "PUT",
            f"/api/contract/contracts/{c['id']}/document",
            files={"file": ("c.pdf", pdf, "application/pdf")},
        )
        lawyer.call(
            "POST",
            f"/api/contract/contracts/{c['id']}/signers",
            json={
                "name": "王五",
                "mobile": "13600136000",
                "kind": "individual",
                "id_number": make_resident_id(seq=47),
            },
        )
        lawyer.call("POST", f"/api/contract/contracts/{c['id']}/submit")
    finally:
        lawyer.close()

    page = web.login("risk1")
    page.click("#lang")
    page.wait_for_selector("#lang:text-is('中文')")
    web.open(page, "notifications")
    mine = f"li.note:has(.note-body:has-text('“{title}” submitted by'))"
    note = web.eventually(page, mine, what="the English notification of the submission")
    assert note.locator(".note-title").inner_text() == "A new contract awaits review"
    assert "(round 1)" in note.locator(".note-body").inner_text()
    web.shot(page, "notification-in-english")
    page.click("#lang")  # the same notification in Chinese, the default
    page.wait_for_selector("#lang:text-is('English')")
    web.open(page, "notifications")
    note = web.eventually(
        page, f"li.note:has(.note-body:has-text('《{title}》'))", what="the Chinese notification"
    )
    assert note.locator(".note-title").inner_text() == "新的合同待审核"
