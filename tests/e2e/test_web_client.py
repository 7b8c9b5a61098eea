"""The web client in a real browser, as the firm's users and their counterparties use it.

Everything is done through the screens; the API is read only to check results. The sandbox
micro-deposit amount, which a real company reads on its bank statement, is shown on the signer's
page as a labelled sandbox bank notice.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cnid.credit_code import ALPHABET, make_credit_code

pytestmark = pytest.mark.e2e

FIRM = "北京某某律师事务所"
UUID = r"[0-9a-f-]{36}"


def _run_id() -> str:
    return secrets.token_hex(3).upper()


def _pdf(path: Path, title: str) -> Path:
    """Write a two-page text PDF (no scan warning) by hand, to need no library."""
    texts = [f"{title} - Legal Services Agreement", "Signatures - page 2"]
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for t in texts:
        stream = f"BT /F1 18 Tf 72 760 Td ({t}) Tj ET"
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objs)} 0 R >>"
        )
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def _qr_in_pdf(pdf: Path, page: int = 1) -> str:
    """Return what the QR code printed on one page of a PDF says (poppler + zbar)."""
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: run `make system-deps`"
    prefix = pdf.with_suffix("")
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(
        ["pdftoppm", "-r", "200", *pages, "-png", "-singlefile", pdf, prefix], check=True
    )
    out = subprocess.run(
        ["zbarimg", "--raw", "-q", f"{prefix}.png"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, f"no QR code found on page {page} of {pdf.name}"
    return out.stdout.strip()


# ---- every role ---------------------------------------------------------------------------------

ROLE_SCREENS = {
    "lawyer1": ["合同申请", "函件申请", "地址簿"],
    "risk1": ["风控审核", "待律所签章"],
    "clerk1": ["函件审批"],
    "admin": ["风控审核", "函件审批"],
}


@pytest.mark.parametrize("user", list(ROLE_SCREENS))
def test_each_role_sees_its_screens(web: Any, user: str) -> None:
    page = web.login(user)
    nav = page.locator("#nav a")
    assert nav.evaluate_all("as => as.map((a) => a.firstChild.textContent)") == ROLE_SCREENS[user]
    for i, label in enumerate(ROLE_SCREENS[user]):
        nav.nth(i).click()
        page.wait_for_selector(f"#main .page-head h2:has-text('{label}')")
        web.settle(page)
        assert page.locator("#main .alert.error").count() == 0, page.inner_text("#main")
        assert "active" in (nav.nth(i).get_attribute("class") or "")
        web.shot(page, f"{user}-{i}")

    page.click("#user .bell")
    panel = page.wait_for_selector("#note-panel")
    page.wait_for_selector("#note-panel ul.notes li")  # the list, or "no notifications"
    assert "通知" in panel.inner_text()
    web.shot(page, f"{user}-notifications")
    page.click("#main", position={"x": 5, "y": 5})  # a click elsewhere closes it
    page.wait_for_selector("#note-panel", state="detached")

    page.click("#user button:has-text('退出')")
    page.wait_for_selector("form.login")
    page.reload()  # the session is gone, not just hidden
    page.wait_for_selector("form.login")
    assert page.locator("#nav a").count() == 0


# ---- a contract, from the application to the verified signatures -------------------------------


def _enterprise(run: str) -> dict[str, str]:
    body = "91310115" + "".join(secrets.choice(ALPHABET) for _ in range(9))
    return {
        "name": f"上海某贸易有限公司{run}",
        "id_number": make_credit_code(body=body),
        "legal_representative": "王五",
        "operator_name": "赵六",
        "operator_mobile": "13800138000",
        "bank_account_name": f"上海某贸易有限公司{run}",
        "bank_account_number": "6222" + "".join(secrets.choice("0123456789") for _ in range(15)),
        "bank_name": "中国工商银行上海分行",
    }


def _apply(web: Any, lawyer: Any, *, title: str, company: dict[str, str], pdf: Path) -> str:
    """The lawyer creates the application, uploads the PDF, adds the company, submits."""
    web.open(lawyer, "contracts")
    lawyer.click("text=新建申请")
    lawyer.fill("input[name=title]", title)
    lawyer.fill("input[name=contract_type]", "委托代理合同")
    lawyer.fill("input[name=client_name]", "北京某科技有限公司")
    lawyer.fill("input[name=amount]", "5000")
    lawyer.check("input[name=cross_page_seal]")  # the firm's seal across every page (骑缝章)
    lawyer.click("button:has-text('保存并继续')")
    lawyer.wait_for_url(re.compile(rf"#/contracts/{UUID}$"))
    with lawyer.expect_file_chooser() as chooser:
        lawyer.click(".uploader button:has-text('上传合同')")
    chooser.value.set_files(str(pdf))
    web.images_loaded(lawyer, "figure.thumb img", 2)
    assert lawyer.locator(".alert.warn").count() == 0  # a text PDF is no scan

    lawyer.click("section.card:has(h3:has-text('签署方')) button:has-text('添加')")
    lawyer.click("dialog label:has-text('企业')")
    for name, value in company.items():
        lawyer.fill(f"dialog input[name={name}]", value)
    # the service refuses a wrong check digit and mobile: the form marks them, by their labels
    code = company["id_number"]
    lawyer.fill("dialog input[name=id_number]", code[:-1] + ("0" if code[-1] != "0" else "1"))
    lawyer.fill("dialog input[name=operator_mobile]", "10000000000")
    with web.provoking(rf"HTTP 422 POST /api/contract/contracts/{UUID}/signers"):
        lawyer.click("dialog button:has-text('添加')")
        toast = lawyer.wait_for_selector("dialog .toast.error")
    assert toast.inner_text() == "以下字段有误，已标红：统一社会信用代码、经办人手机号"
    marked = lawyer.eval_on_selector_all(
        "dialog .invalid[aria-invalid=true]", "els => els.map((e) => e.name)"
    )
    assert sorted(marked) == ["id_number", "operator_mobile"]
    assert lawyer.evaluate("document.activeElement.name") == "id_number"
    web.shot(lawyer, "contract-signer-invalid")
    for name in ("id_number", "operator_mobile"):
        lawyer.fill(f"dialog input[name={name}]", company[name])
    assert lawyer.locator("dialog .invalid").count() == 0  # corrected fields lose the mark
    web.shot(lawyer, "contract-signer-dialog")
    lawyer.click("dialog button:has-text('添加')")
    lawyer.wait_for_selector(f"td:has-text('{company['name']}')")
    web.shot(lawyer, "contract-draft")
    lawyer.click("button:has-text('提交审核')")
    lawyer.click("dialog button:has-text('提交')")
    lawyer.wait_for_selector(".page-head .badge[data-status=submitted]")
    return str(lawyer.url)


def _review(web: Any, title: str) -> None:
    """Risk control claims the round, ticks the checklist and approves."""
    risk = web.login("risk1")
    row = web.eventually(risk, f"table.list tbody tr:has-text('{title}')", what="review round")
    row.click()
    risk.click("button:has-text('领取审核')")
    risk.wait_for_selector(".checklist input:not([disabled])")
    assert risk.inner_text("dd.cross-page-seal") == "加盖"  # the lawyer's choice, for review
    approve = risk.locator("button:has-text('审核通过')")
    boxes = risk.locator(".checklist input[type=checkbox]")
    assert boxes.count() >= 3
    for i in range(boxes.count()):
        assert approve.is_disabled()  # every item must be ticked first, and the button says so
        left = boxes.count() - i
        assert approve.get_attribute("title") == f"还有 {left} 项核对未勾选，全部勾选后才能审核通过"
        assert risk.inner_text(".why") == approve.get_attribute("title")
        boxes.nth(i).check()
    web.shot(risk, "review-checklist")
    approve.click()
    risk.wait_for_selector(".page-head .badge[data-status=approved]")
    risk.context.close()


def _invitation(web: Any, lawyer: Any, contract_url: str, company: str) -> str:
    """The lawyer opens the envelope and invites the company: a QR code and a link."""
    web.visit(lawyer, contract_url)
    web.eventually(lawyer, "button:has-text('邀请签章')", what="signing envelope")
    assert lawyer.locator(".page-head .badge[data-status=approved]").count() == 1
    lawyer.click(f"tr:has-text('{company}') button:has-text('邀请签章')")
    web.wait_js(lawyer, "() => document.querySelector('dialog img.qr')?.naturalWidth > 0")
    link = str(lawyer.input_value("dialog input.link"))
    assert re.fullmatch(rf"{re.escape(web.base)}/sign/[\w-]+", link), link
    web.shot(lawyer, "contract-invitation")
    lawyer.click("dialog button.x")
    return link


def _counterparty_signs(web: Any, link: str, company: dict[str, str]) -> None:
    """The company opens the link (no account), verifies by micro-deposit, places its seal.

    On a desktop: the amount comes from the page's sandbox bank notice, the seal is placed by a
    click and moved with the mouse, and the signature is confirmed with the sandbox SMS code.
    """
    signer = web.page()
    signer.goto(link)
    signer.wait_for_selector("#sandbox:visible")  # the sandbox is labelled as such
    signer.wait_for_selector("#ent:visible")
    signer.fill("#cname", company["name"])
    signer.fill("#ccode", company["id_number"])
    signer.fill("#legal", company["legal_representative"])
    signer.fill("#acct", company["bank_account_number"])
    web.shot(signer, "signer-enterprise")
    signer.click("#entBtn")
    signer.wait_for_selector("#amt:visible")
    signer.fill("#amount", signer.inner_text("#bankAmount"))
    signer.click("#amtBtn")
    signer.wait_for_selector("#sealStep:visible")
    web.images_loaded(signer, ".page img.doc")

    # A seal put on the verification QR is refused, and the signer is told why.
    last = signer.locator(".page").last
    # in the middle of the window: the action bar stays fixed at its bottom
    last.locator(".qr-zone").evaluate("z => z.scrollIntoView({block: 'center'})")
    zone = last.locator(".qr-zone").bounding_box()
    signer.mouse.click(zone["x"] + zone["width"] / 2, zone["y"] + zone["height"] / 2)
    signer.wait_for_selector(".page #seal")
    signer.click("#signBtn")
    signer.check("#consent")
    signer.click("#codeBtn")
    code = signer.wait_for_selector("#smsCode:not(:empty)").inner_text()
    signer.fill("#code", code)
    with web.provoking(r"HTTP 422 POST /api/signing/invite/[^/]+/sign"):
        signer.click("#confirmBtn")
        signer.wait_for_selector("#err:has-text('二维码')")
        web.shot(signer, "signer-seal-on-qr")
    assert signer.locator("#sealStep").is_visible()

    web.drag(signer, signer.locator("#seal"), last.locator("img.doc"), 0.3, 0.45)
    assert signer.inner_text("#err") == ""  # moving the seal clears the refusal
    web.shot(signer, "signer-seal-placed")
    signer.click("#signBtn")
    signer.check("#consent")
    signer.click("#confirmBtn")  # the code confirmed a moment ago still stands
    signer.wait_for_selector("#done:visible")
    assert signer.inner_text("#err") == ""
    web.shot(signer, "signer-done")


def _firm_signs(web: Any, title: str) -> None:
    """Risk control drags the firm's seal onto the page and signs last."""
    risk = web.login("risk1")
    web.open(risk, "firm-sign")
    row = web.eventually(risk, f"table.list tbody tr:has-text('{title}')", what="contract to seal")
    row.click()
    risk.wait_for_selector(".firm-layout")
    web.wait_js(
        risk,
        "() => { const i = document.querySelector('img.page-img');"
        " return i && i.complete && i.naturalWidth > 0"
        " && !document.querySelector('.stage.loading-page'); }",
    )
    web.images_loaded(risk, "img.tray-seal")
    confirm = risk.locator("button:has-text('确认签章')")
    assert confirm.is_disabled()
    assert confirm.get_attribute("title") == "请先将印章拖到页面上的签章位置"  # why it is disabled

    tray = risk.locator("img.tray-seal")
    web.drag(risk, tray, risk.locator(".qr-zone"))
    risk.wait_for_selector(".toast.error:has-text('二维码')")
    web.shot(risk, "firm-seal-on-qr")
    assert risk.locator("img.seal.placed").is_hidden()
    assert confirm.is_disabled()

    web.drag(risk, tray, risk.locator("img.page-img"), 0.35, 0.5)
    risk.wait_for_selector("img.seal.placed:visible")
    assert confirm.is_enabled()
    web.shot(risk, "firm-seal-placed")
    confirm.click()
    risk.click("dialog button:has-text('确认签章')")
    risk.wait_for_url(re.compile(rf"#/contracts/{UUID}$"))
    risk.context.close()


def test_contract_from_application_to_verified_signatures(web: Any, tmp_path: Path) -> None:
    run = _run_id()
    title = f"法律服务合同 {run}"
    company = _enterprise(run)
    lawyer = web.login("lawyer1")
    contract_url = _apply(
        web, lawyer, title=title, company=company, pdf=_pdf(tmp_path / "c.pdf", run)
    )
    _review(web, title)
    link = _invitation(web, lawyer, contract_url, company["name"])
    _counterparty_signs(web, link, company)
    _firm_signs(web, title)

    # The lawyer was told along the way; the notification leads back to the contract ...
    web.open(lawyer, "contracts")
    note = web.eventually(
        lawyer,
        f"#note-panel li.note:has-text('《{title}》已审核')",
        what="notification of the approval",
        prepare=lambda: lawyer.click("#user .bell"),
    )
    note.click()
    lawyer.wait_for_url(contract_url)
    web.settle(lawyer)

    # ... which is completed: the signed PDF can be downloaded ...
    web.eventually(lawyer, ".page-head button:has-text('下载已签署合同')", what="signed PDF")
    assert lawyer.locator(".page-head .badge[data-status=completed]").count() == 1
    # the timeline names the person who sealed for the firm, in Beijing time to the minute
    sealed = lawyer.locator("ol.timeline li:has-text('律所签章，签署完成')").first.inner_text()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d · 李风控", sealed), sealed
    assert "signing" not in sealed and "+00:00" not in sealed
    web.shot(lawyer, "contract-completed")
    with lawyer.expect_download() as download:
        lawyer.click(".page-head button:has-text('下载已签署合同')")
    signed = tmp_path / "signed.pdf"
    download.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF")

    # ... whose QR code leads anyone to the verification result.
    verify_url = _qr_in_pdf(signed)
    shown = lawyer.get_attribute("a.mono[href^='/verify/']", "href")
    assert verify_url == web.base + shown
    visitor = web.page()
    visitor.goto(verify_url)
    visitor.wait_for_selector("text=文件完整，签名有效")
    cards = visitor.locator("section.card.sig")
    assert cards.count() == 2
    assert company["name"] in cards.nth(0).inner_text() and FIRM in cards.nth(1).inner_text()
    # two signatures, each intact, trusted and unmodified since
    assert visitor.locator(".badge.ok").count() == 6 and visitor.locator(".badge.bad").count() == 0
    web.shot(visitor, "verify-valid")


# ---- letters ------------------------------------------------------------------------------------

# the demo lawyer's practising licence number, seeded in the gateway's user profile
LAWYER1_LICENCE = "11101200910000001"


def _fill_letter(page: Any, *, run: str, recipient: str) -> None:
    """Fill the letter form's fields (the kind and delivery are chosen by the caller)."""
    page.fill("input[name=case_serial_no]", f"2026-MS-{run}")
    page.fill("input[name=cause_of_action]", "买卖合同纠纷")
    page.select_option("select[name=letter_type]", index=0)
    page.fill("input[name=recipient_org]", recipient)
    page.fill("input[name=client_name]", "北京某科技有限公司")
    page.fill("input[name=matter]", "代为调查取证")
    page.fill("input[name=lawyer_name]", "张律师")
    page.fill("input[name=lawyer_licence]", "11101201910123456")
    page.fill("textarea[name=body]", f"兹委派我所律师前往贵单位调查取证，请予协助。（{run}）")


def _approve_letter(web: Any, recipient: str) -> Any:
    """The letter administrator finds the letter in the queue and approves it."""
    clerk = web.login("clerk1")
    web.open(clerk, "letter-queue")
    row = web.eventually(clerk, f"table.list tbody tr:has-text('{recipient}')", what="letter")
    row.click()
    clerk.wait_for_selector(".page-head .badge[data-status=submitted]")
    clerk.click(".page-head button:has-text('批准')")
    clerk.wait_for_selector(".page-head .badge:not([data-status=submitted])")
    return clerk


def test_electronic_letter_is_approved_sealed_and_shared(web: Any) -> None:
    run = _run_id()
    recipient = f"上海市某区人民法院{run}"
    lawyer = web.login("lawyer1")
    web.open(lawyer, "letters")
    lawyer.click("text=新建函件")
    lawyer.wait_for_selector("input[name=kind][value=electronic]:checked")
    # a new letter starts with the applying lawyer's own name and licence number (the profile's)
    assert lawyer.input_value("input[name=lawyer_name]") == "张律师"
    assert lawyer.input_value("input[name=lawyer_licence]") == LAWYER1_LICENCE
    assert "执业证号取自您的用户资料" in lawyer.inner_text(".licence-source")
    _fill_letter(lawyer, run=run, recipient=recipient)
    web.shot(lawyer, "letter-form")
    lawyer.click("button:has-text('保存并提交')")
    lawyer.wait_for_selector(".page-head .badge[data-status=submitted]")
    letter_url = lawyer.url
    assert re.search(rf"#/letters/{UUID}$", letter_url)

    clerk = _approve_letter(web, recipient)
    web.shot(clerk, "letter-approved")
    clerk.context.close()

    # Sealing happens in the signing service; the lawyer then sees the sealed pages as images.
    web.visit(lawyer, letter_url)
    web.eventually(lawyer, ".page-head .badge[data-status=sealed]", what="sealed letter")
    lawyer.wait_for_selector("h3:has-text('盖章函件')")
    first = lawyer.wait_for_selector("img.letter-page")  # "第 1 页，共 N 页"
    count = re.search(r"共 (\d+) 页", first.get_attribute("alt") or "")
    assert count, "the page images say how many pages there are"
    pages = int(count[1])
    web.images_loaded(lawyer, "img.letter-page", pages)
    assert any("/sealed/pages/1.png" in r for r in web.requests)
    number = lawyer.inner_text(".page-head h2 .mono")
    assert number.endswith("号")
    web.shot(lawyer, "letter-sealed")

    lawyer.click("button:has-text('分享')")
    link = str(lawyer.input_value("dialog input.link"))
    assert re.fullmatch(rf"{re.escape(web.base)}/share/[\w-]+", link), link
    web.images_loaded(lawyer, "dialog img.qr")
    web.shot(lawyer, "letter-share")
    lawyer.click("dialog button.x")
    lawyer.wait_for_selector("section.card:has(h3:has-text('分享记录')) td:has-text('有效')")

    # The recipient opens the link without an account and reads the sealed pages.
    recipient_page = web.page()
    recipient_page.goto(link)
    recipient_page.wait_for_selector(f"dd:has-text('{number}')")
    shown = recipient_page.locator("img.page")
    assert shown.count() == pages
    for i in range(pages):  # the images load lazily, as the reader scrolls
        shown.nth(i).scroll_into_view_if_needed()
    web.images_loaded(recipient_page, "img.page", pages)
    web.shot(recipient_page, "letter-shared-page")
    # the recipient reads it in English by the page's switch, which the next visit remembers
    assert recipient_page.get_attribute("html", "lang") == "zh-CN"
    recipient_page.click("#lang")
    recipient_page.wait_for_selector("a.btn:text-is('Download the letter (PDF)')")
    recipient_page.goto(link)
    recipient_page.wait_for_selector(f"dt:text-is('Letter no.') + dd:has-text('{number}')")
    assert recipient_page.get_attribute("html", "lang") == "en"
    assert recipient_page.locator("img.page").first.get_attribute("alt") == f"Page 1 of {pages}"
    assert recipient_page.inner_text("#lang") == "中文"
    web.shot(recipient_page, "letter-shared-page-english")

    # The lawyer sees that the link was opened.
    lawyer.reload()
    web.settle(lawyer)
    lawyer.click("button:has-text('查看记录')")
    lawyer.wait_for_selector("tr.sub li:has-text('打开页面')")


def test_paper_letter_is_mailed_to_the_default_address(web: Any) -> None:
    run = _run_id()
    recipient = f"北京市某区人民检察院{run}"
    street = f"建国路 {int(run, 16) % 1000} 号"
    lawyer = web.login("lawyer1")

    # The lawyer keeps a default mailing address in the address book.
    web.open(lawyer, "addresses")
    lawyer.click("button:has-text('新增')")
    # the book holds the lawyer's own addresses: the recipient is the lawyer, filled in
    assert lawyer.input_value("dialog input[name=name]") == "张律师"
    assert lawyer.get_attribute("dialog input[name=name]", "readonly") is not None
    for name, value in {
        "phone": "13900139000",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "street": street,
    }.items():
        lawyer.fill(f"dialog input[name={name}]", value)
    lawyer.check("dialog input[name=is_default]")
    lawyer.click("dialog button:has-text('保存')")
    card = lawyer.wait_for_selector(f"li.card:has-text('{street}')")
    assert "默认" in card.inner_text()
    web.shot(lawyer, "address-book")

    # A paper letter, mailed: the default address is already chosen.
    web.open(lawyer, "letters?kind=paper")
    lawyer.click("text=新建函件")
    lawyer.wait_for_selector("input[name=kind][value=paper]:checked")
    # the applying lawyer is already named on the form, with the licence number of their profile
    assert lawyer.input_value("input[name=lawyer_name] >> nth=0") == "张律师"
    assert lawyer.input_value("input[name=lawyer_licence] >> nth=0") == LAWYER1_LICENCE
    _fill_letter(lawyer, run=run, recipient=recipient)
    lawyer.click("fieldset.delivery label:has-text('邮寄')")
    lawyer.wait_for_selector("select[name=address_id]:enabled")
    assert "只邮寄给申请律师本人" in lawyer.inner_text("fieldset.delivery")  # the rule, stated
    chosen = lawyer.locator("select[name=address_id] option:checked").inner_text()
    assert chosen.startswith("【默认】") and street in chosen, chosen
    web.shot(lawyer, "paper-letter-form")
    lawyer.click("button:has-text('保存并提交')")
    lawyer.wait_for_selector(".page-head .badge[data-status=submitted]")
    letter_url = lawyer.url
    assert street in lawyer.inner_text("dl.grid")
    # the next letter starts again with the profile's licence number, not the one typed last
    web.open(lawyer, "letters/new?kind=paper")
    assert lawyer.input_value("input[name=lawyer_name] >> nth=0") == "张律师"
    assert lawyer.input_value("input[name=lawyer_licence] >> nth=0") == LAWYER1_LICENCE

    # a profile without one: the licence number this lawyer used last (in this browser) instead
    def without_licence(route: Any) -> None:
        answer = route.fetch()
        me = answer.json()
        assert me["licence_no"] == LAWYER1_LICENCE  # what the gateway really answers
        route.fulfill(response=answer, json={**me, "licence_no": None})

    lawyer.route(f"{web.base}/api/auth/me", without_licence)
    lawyer.reload()
    web.settle(lawyer)
    assert lawyer.input_value("input[name=lawyer_licence] >> nth=0") == "11101201910123456"
    assert "尚无执业证号" in lawyer.inner_text(".licence-source")
    lawyer.unroute(f"{web.base}/api/auth/me")
    web.visit(lawyer, letter_url)
    web.images_loaded(lawyer, "img.letter-page")  # the preview, before it is printed

    # The administrator approves, prints and mails it.
    clerk = _approve_letter(web, recipient)
    clerk.click(".page-head button:has-text('已打印')")
    clerk.wait_for_selector(".page-head .badge[data-status=printed]")
    clerk.click(".page-head button:has-text('已邮寄')")
    clerk.fill("dialog input[name=courier]", "顺丰速运")
    clerk.fill("dialog input[name=tracking_no]", f"SF{run}")
    clerk.click("dialog button:has-text('确定')")
    clerk.wait_for_selector(".page-head .badge[data-status=mailed]")
    web.shot(clerk, "paper-letter-mailed")

    web.visit(lawyer, letter_url)
    lawyer.wait_for_selector(".page-head .badge[data-status=mailed]")
    details = lawyer.inner_text("dl.grid")
    assert f"SF{run}" in details and street in details
    assert lawyer.locator("ol.steps li.current").inner_text() == "已邮寄"
    web.shot(lawyer, "paper-letter-lawyer")
