"""Smoke test of the web client in a real browser against a running lexseal.

Start the system first (`make run`, or `python deploy/run.py --data-dir /tmp/x`), then
`LEXSEAL_WEB_URL=http://127.0.0.1:8000 pytest gateway/tests/web`. The browser tests skip when
the system, the `playwright` package or a Chromium are missing; the static checks always run.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

WEB = Path(__file__).resolve().parents[2] / "src" / "gateway" / "web"
BASE = os.environ.get("LEXSEAL_WEB_URL", "http://127.0.0.1:8000").rstrip("/")
PASSWORD = os.environ.get("LEXSEAL_DEMO_PASSWORD", "demo-password")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ---- static checks: no browser needed -------------------------------------------------------


def test_every_imported_module_exists() -> None:
    """Each `import ... from "./x.js"` names a file that is served."""
    for js in WEB.glob("*.js"):
        for name in re.findall(r'from "\./([\w-]+\.js)"', js.read_text(encoding="utf-8")):
            assert (WEB / name).is_file(), f"{js.name} imports missing {name}"


def test_index_loads_the_app_as_a_module() -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert '<script type="module" src="app.js">' in html
    assert 'href="app.css"' in html


def test_no_absolute_origin_in_api_calls() -> None:
    """Every call goes through the same origin (the gateway)."""
    for js in WEB.glob("*.js"):
        assert "http://" not in js.read_text(encoding="utf-8").replace("http://www.w3.org", "")


# ---- browser --------------------------------------------------------------------------------


def _system_up() -> bool:
    try:
        with urllib.request.urlopen(BASE + "/healthz", timeout=3) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium on PATH")
    if not _system_up():
        pytest.skip(f"lexseal is not running at {BASE}")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def login(browser: Any, user: str) -> tuple[Any, list[str]]:
    errors: list[str] = []
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(BASE + "/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button")
    page.wait_for_selector("#nav a")
    return page, errors


def _pdf(path: Path) -> Path:
    """A two-page text PDF (no scan warning), written by hand to need no library."""
    texts = ["Legal Services Agreement - page 1", "Signatures - page 2"]
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


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("user", "nav"),
    [("lawyer1", "合同申请"), ("risk1", "风控审核"), ("clerk1", "函件审批")],
)
def test_each_role_sees_its_screens(browser: Any, user: str, nav: str) -> None:
    page, errors = login(browser, user)
    assert nav in page.inner_text("#nav")
    page.wait_for_selector("table.list, .alert")
    page.click("#user .bell")
    page.wait_for_selector("#note-panel")
    page.click("text=退出 Logout")
    page.wait_for_selector("form.login")
    assert errors == []


@pytest.mark.e2e
def test_contract_from_application_to_invitation(browser: Any, tmp_path: Path) -> None:
    title = f"Smoke {time.time_ns()}"
    lawyer, errors = login(browser, "lawyer1")
    lawyer.click("text=新建申请")
    lawyer.fill("input[name=title]", title)
    lawyer.fill("input[name=contract_type]", "委托代理合同")
    lawyer.fill("input[name=client_name]", "北京某科技有限公司")
    lawyer.fill("input[name=amount]", "5000")
    lawyer.click("button:has-text('保存并继续')")
    lawyer.wait_for_url(re.compile(r"#/contracts/[0-9a-f-]{36}$"))
    lawyer.set_input_files(".uploader input[type=file]", str(_pdf(tmp_path / "c.pdf")))
    lawyer.wait_for_selector("figure.thumb img[src^=blob]")
    lawyer.click("button:has-text('添加 Add')")
    lawyer.click("dialog label:has-text('企业')")
    for name, value in {
        "name": "上海某贸易有限公司",
        "id_number": "91110108MA01ABCD1E",
        "legal_representative": "王五",
        "operator_name": "赵六",
        "operator_mobile": "13800138000",
        "bank_account_name": "上海某贸易有限公司",
        "bank_account_number": "6222020200112233445",
        "bank_name": "中国工商银行上海分行",
    }.items():
        lawyer.fill(f"dialog input[name={name}]", value)
    lawyer.click("dialog button:has-text('添加 Add')")
    lawyer.wait_for_selector("td:has-text('上海某贸易有限公司')")
    lawyer.click("button:has-text('提交审核')")
    lawyer.click("dialog button:has-text('提交 Submit')")
    lawyer.wait_for_selector(".page-head .badge[data-status=submitted]")
    contract_url = lawyer.url

    risk, risk_errors = login(browser, "risk1")
    row = risk.locator("table.list tbody tr", has_text=title)
    for _ in range(20):  # the round arrives over the bus
        if row.count():
            break
        time.sleep(0.5)
        risk.reload()
    row.first.click()
    risk.click("button:has-text('领取审核')")
    risk.wait_for_selector(".checklist input:not([disabled])")
    for box in risk.query_selector_all(".checklist input[type=checkbox]"):
        box.check()
    risk.click("button:has-text('审核通过')")
    risk.wait_for_selector(".page-head .badge[data-status=approved]")

    lawyer.goto(contract_url)
    for _ in range(30):  # approval and the envelope arrive over the bus
        if lawyer.query_selector("button:has-text('邀请签章')"):
            break
        time.sleep(0.5)
        lawyer.reload()
        lawyer.wait_for_selector(".page-head h2")
    lawyer.click("button:has-text('邀请签章')")
    lawyer.wait_for_function(
        "document.querySelector('dialog img.qr')?.naturalWidth > 0", timeout=10000
    )
    link = lawyer.input_value("dialog input.link")
    assert "/sign/" in link
    assert errors == [] and risk_errors == []
