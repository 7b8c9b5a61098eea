"""`lexseal demo`: one complete contract lifecycle and two letters, through the gateway only."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cnid import make_credit_code
from lexseal_client import Client

from .client import wait_for
from .partner import Partner, Receiver
from .partner import summary as partner_summary
from .sample import contract_pdf

PASSWORD = "demo-password"  # noqa: S105 - the development run's demo users
COMPANY = "上海示例科技有限公司"


@dataclass
class Demo:
    """The users taking part and what the run created."""

    base_url: str
    out: Path
    log: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lawyer = Client(self.base_url).login("lawyer1", PASSWORD)
        self.risk = Client(self.base_url).login("risk1", PASSWORD)
        self.clerk = Client(self.base_url).login("clerk1", PASSWORD)
        self.public = Client(self.base_url)

    def step(self, text: str) -> None:
        """Say what happens next."""
        self.log.append(text)
        print(f"· {text}", flush=True)

    def close(self) -> None:
        """Close every client."""
        for g in (self.lawyer, self.risk, self.clerk, self.public):
            g.close()


UNTIL = ("invited", "verified")


def run_contract(d: Demo, *, until: str | None = None) -> None:
    """Upload → review → invite → enterprise verification → counterparty signs → firm signs.

    `until="invited"` stops once the signer's invitation exists; `until="verified"` once the
    signer's identity is also verified (in the sandbox), so the link opens at reading and sealing.
    """
    credit_code = make_credit_code(body="91310115MA1K" + f"{secrets.randbelow(10**5):05d}")
    account = "3100" + f"{secrets.randbelow(10**12):012d}"
    d.step("lawyer1 creates a contract application and uploads the PDF")
    contract = d.lawyer.call(
        "POST",
        "/api/contract/contracts",
        json={
            "title": "法律顾问服务合同",
            "contract_type": "service",
            "client_name": COMPANY,
            "amount": "120000.00",
            "case_serial_no": "MS-2026-0042",
            "remarks": "lexseal demo",
            # the firm's seal also goes across every page's right edge (骑缝章) in signed.pdf
            "cross_page_seal": True,
        },
    )
    cid = contract["id"]
    pdf = contract_pdf(title="法律顾问服务合同", parties=(COMPANY, "示例律师事务所"))
    d.lawyer.call(
        "PUT",
        f"/api/contract/contracts/{cid}/document",
        files={"file": ("contract.pdf", pdf, "application/pdf")},
    )
    signer = d.lawyer.call(
        "POST",
        f"/api/contract/contracts/{cid}/signers",
        json={
            "kind": "enterprise",
            "name": COMPANY,
            "id_number": credit_code,
            "legal_representative": "王五",
            "operator_name": "赵六",
            "operator_mobile": "13800138000",
            "bank_account_name": COMPANY,
            "bank_account_number": account,
            "bank_name": "招商银行上海分行",
        },
    )
    # what the signer types in on their page (sandbox demo data), for walking it by hand
    d.summary["company"] = {
        "company_name": COMPANY,
        "credit_code": credit_code,
        "legal_representative": "王五",
        "bank_account_number": account,
    }
    d.lawyer.call("POST", f"/api/contract/contracts/{cid}/submit")
    d.step("risk1 finds it in the review queue, claims it, confirms the checklist and approves")

    def queued() -> dict[str, Any] | None:
        items = d.risk.call("GET", "/api/review/queue", params={"state": "pending"})["data"]
        return next((i for i in items if i["contract_id"] == cid), None)

    item = wait_for("the review queue item", queued)
    d.risk.call("POST", f"/api/review/items/{item['id']}/claim")
    detail = d.risk.call("GET", f"/api/review/items/{item['id']}")
    keys = [c["key"] for c in detail["checklist"]]
    d.risk.call(
        "POST",
        f"/api/review/items/{item['id']}/approve",
        json={"confirmations": keys, "comment": "材料齐全"},
    )
    wait_for("status approved", lambda: _status(d, cid, {"approved"}))

    def envelope() -> dict[str, Any] | None:
        env = d.lawyer.call("GET", "/api/signing/envelopes", params={"contract_id": cid})["data"]
        return env[0] if env else None

    env = wait_for("the signing envelope", envelope)
    eid = env["id"]
    d.step("lawyer1 invites the enterprise signer (QR code link)")
    inv = d.lawyer.call(
        "POST", f"/api/signing/envelopes/{eid}/invitations", json={"signer_id": signer["id"]}
    )
    token = inv["url"].rstrip("/").rsplit("/", 1)[1]
    qr = d.lawyer.request(
        "GET", f"/api/signing/envelopes/{eid}/invitations/{inv['invitation_id']}/qr.png"
    )
    (d.out / "invitation-qr.png").write_bytes(qr.content)
    base = f"/api/signing/invite/{token}"
    d.summary["invitation_url"] = inv["url"]
    d.summary["contract"] = {
        "contract_id": cid,
        "signer_id": signer["id"],
        "review_item_id": item["id"],
        "envelope_id": eid,
        "invitation_id": inv["invitation_id"],
        "verification_url": f"{d.base_url}/verify/{env['verify_code']}",
    }
    if until == "invited":
        d.step(f"stopped after the invitation: open {inv['url']} to walk the signer's part")
        return
    d.step("the signer opens the link, enters the real-name details and requests a micro-deposit")
    state = d.public.call("GET", base)
    d.public.call(
        "POST",
        f"{base}/verify/enterprise",
        json={
            "company_name": COMPANY,
            "credit_code": credit_code,
            "legal_representative": "王五",
            "bank_account_number": account,
        },
    )
    d.public.call("POST", f"{base}/deposit/request")
    # the sandbox bank notice on the signer's own page: no staff token needed
    amount = d.public.call("GET", base)["deposit"]["sandbox_amount"]
    d.step(f"the sandbox bank 'sent' {amount} yuan; the signer enters it back and is verified")
    d.public.call("POST", f"{base}/deposit/confirm", json={"amount": amount})
    if until == "verified":
        d.step(f"stopped after verification: open {inv['url']} to read, seal and sign")
        return
    last = len(state["pages"]) - 1
    d.step("the signer places the company seal, consents and confirms with the SMS code")
    d.public.call("POST", f"{base}/intent/request")
    code = d.public.call("GET", base)["intent"]["sandbox_code"]  # the sandbox SMS
    d.public.call("POST", f"{base}/intent/confirm", json={"code": code})
    d.public.call(
        "POST", f"{base}/sign", json={"page": last, "x": 300, "y": 250, "width": 120, "height": 120}
    )
    wait_for("status counterparty_signed", lambda: _status(d, cid, {"counterparty_signed"}))
    d.step("risk1 places the firm seal and signs for the firm, last")
    d.risk.call(
        "POST",
        f"/api/signing/envelopes/{eid}/firm-sign",
        json={"page": last, "x": 100, "y": 250, "width": 120, "height": 120},
    )
    done = wait_for("status completed", lambda: _status(d, cid, {"completed"}))
    signed = d.lawyer.request("GET", f"/api/contract/contracts/{cid}/signed-document").content
    (d.out / "signed.pdf").write_bytes(signed)
    check = d.public.call(
        "POST", "/api/verify", files={"file": ("signed.pdf", signed, "application/pdf")}
    )
    d.step(
        f"signed.pdf verifies: valid={check['valid']} with {len(check['signatures'])} signatures"
    )
    evidence = d.lawyer.request("GET", f"/api/signing/envelopes/{eid}/evidence.zip").content
    (d.out / "evidence.zip").write_bytes(evidence)
    d.summary["contract"] |= {
        "status": done["status"],
        "signed_pdf": str(d.out / "signed.pdf"),
        "evidence": str(d.out / "evidence.zip"),
        "verification": {"valid": check["valid"], "signatures": len(check["signatures"])},
    }


def _status(d: Demo, cid: str, wanted: set[str]) -> dict[str, Any] | None:
    body: dict[str, Any] = d.lawyer.call("GET", f"/api/contract/contracts/{cid}")
    if body["status"] in {"rejected", "declined", "voided", "expired", "withdrawn"} - wanted:
        raise RuntimeError(f"contract ended as {body['status']}")
    return body if body["status"] in wanted else None


# the firm's time zone (the letters service's LETTERS_TIMEZONE default): a letter dated the
# machine's own today is "in the past" there between 16:00 and 24:00 UTC
FIRM_TIMEZONE = ZoneInfo("Asia/Shanghai")


def letter_body(kind: str) -> dict[str, Any]:
    """Return a letter application as the lawyer fills it in."""
    return {
        "kind": kind,
        "case_serial_no": "MS-2026-0042",
        "cause_of_action": "买卖合同纠纷",
        "letter_type": "函",
        "recipient_org": "上海市浦东新区人民法院",
        "letter_date": datetime.now(FIRM_TIMEZONE).date().isoformat(),
        "content": {
            "client_name": COMPANY,
            "matter": "买卖合同纠纷一审诉讼代理",
            "lawyers": [{"name": "张三", "licence_no": "13101201810012345"}],
            "body": "兹有本所律师接受委托，担任上述案件当事人的诉讼代理人，特此函告，请予接洽。",
        },
    }


def run_letters(d: Demo) -> None:
    """An electronic letter approved, sealed and shared; a paper letter approved and mailed."""
    d.step("lawyer1 applies for an electronic letter; clerk1 approves; signing seals it")
    letter = d.lawyer.call("POST", "/api/letters/letters", json=letter_body("electronic"))
    lid = letter["id"]
    d.lawyer.call("POST", f"/api/letters/letters/{lid}/submit")
    approved = d.clerk.call("POST", f"/api/letters/letters/{lid}/approve", json={})

    def sealed() -> dict[str, Any] | None:
        body: dict[str, Any] = d.lawyer.call("GET", f"/api/letters/letters/{lid}")
        if body.get("seal_error"):
            raise RuntimeError(f"sealing failed: {body['seal_error']}")
        return body if body["sealed"] else None

    sealed_letter = wait_for("the sealed letter", sealed)
    pdf = d.lawyer.request("GET", f"/api/letters/letters/{lid}/document.pdf").content
    (d.out / "letter.pdf").write_bytes(pdf)
    check = d.public.call(
        "POST", "/api/verify", files={"file": ("letter.pdf", pdf, "application/pdf")}
    )
    share = d.lawyer.call("POST", f"/api/letters/letters/{lid}/shares", json={})
    d.step(f"letter {approved['number']} sealed (valid={check['valid']}); share link created")
    d.step("lawyer1 applies for a paper letter by mail; clerk1 approves, prints and mails it")
    paper_in = letter_body("paper")
    # mail goes only to the applicant: the address is the lawyer's own, under their own name
    me = d.lawyer.call("GET", "/api/auth/me")
    paper_in["delivery"] = {
        "method": "mail",
        "address": {
            "name": me["display_name"],
            "phone": "13800138000",
            "province": "上海市",
            "city": "上海市",
            "district": "浦东新区",
            "street": "世纪大道100号 20楼",
        },
        "save_to_book": True,
        "make_default": True,
    }
    paper = d.lawyer.call("POST", "/api/letters/letters", json=paper_in)
    pid = paper["id"]
    d.lawyer.call("POST", f"/api/letters/letters/{pid}/submit")
    paper_approved = d.clerk.call("POST", f"/api/letters/letters/{pid}/approve", json={})
    d.clerk.call("POST", f"/api/letters/letters/{pid}/printed")
    mailed = d.clerk.call(
        "POST",
        f"/api/letters/letters/{pid}/mailed",
        json={"courier": "顺丰速运", "tracking_no": "SF1234567890"},
    )
    d.summary["letters"] = {
        "electronic": {
            "letter_id": lid,
            "number": sealed_letter["number"],
            "letter_pdf": str(d.out / "letter.pdf"),
            "share_url": share["url"],
            "share_id": share["id"],
            "verification_url": sealed_letter["verify_url"],
            "verification": {"valid": check["valid"], "signatures": len(check["signatures"])},
        },
        "paper": {
            "letter_id": pid,
            "number": paper_approved["number"],
            "status": mailed["status"],
            "courier": mailed["courier"],
            "tracking_no": mailed["tracking_no"],
        },
    }


def run_demo(*, gateway: str, out: Path, until: str | None = None) -> dict[str, Any]:
    """Run the whole demo and write DIR/summary.json, DIR/signed.pdf and DIR/letter.pdf.

    With `until` ("invited" or "verified") stop early, before the signer signs, and write
    summary.json with the signer's `invitation_url`, so a person can walk the rest by hand.
    """
    if until is not None and until not in UNTIL:
        raise ValueError(f"--until is one of {', '.join(UNTIL)}, not {until!r}")
    out.mkdir(parents=True, exist_ok=True)
    d = Demo(base_url=gateway, out=out)
    partner_entry: dict[str, Any] | None = None
    try:
        with Receiver() as receiver:
            partner = None
            if until is None:
                d.step("admin creates a partner API key (documents:read); the partner subscribes")
                admin = Client(gateway).login("admin", PASSWORD)
                try:
                    partner = Partner(base_url=gateway, admin=admin, receiver=receiver)
                finally:
                    admin.close()
            try:
                run_contract(d, until=until)
                if partner is not None:
                    eid = d.summary["contract"]["envelope_id"]
                    pdf, url = partner.signed_pdf(eid)
                    partner_entry = partner_summary(receiver, pdf)
                    d.step(f"the partner got signing.completed (verified) and fetched {url}")
            finally:
                if partner is not None:
                    partner.close()
        if until is None:
            run_letters(d)
    finally:
        d.close()
    c = d.summary["contract"]
    summary = {
        "gateway": gateway,
        "contract_id": c["contract_id"],
        "invitation_url": d.summary["invitation_url"],
        "until": until,
        "signed_pdf": c.get("signed_pdf"),
        "verification_url": c["verification_url"],
        "ids": d.summary,
        "steps": d.log,
    }
    if partner_entry is not None:
        summary["partner"] = partner_entry
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    if until is None:
        print(f"wrote {out / 'summary.json'}, {out / 'signed.pdf'}, {out / 'letter.pdf'}")
    else:
        print(f"wrote {out / 'summary.json'}; the signer's link: {summary['invitation_url']}")
    return summary
