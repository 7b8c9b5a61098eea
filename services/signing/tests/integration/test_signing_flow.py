"""The whole contract path on the real broker and database: approval → invitations → both kinds of
verification → counterparty signatures → the firm last → signing.completed → evidence."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import httpx
import pytest
from helpers import (
    ACCOUNT,
    COMPANY_CODE,
    MOBILE,
    PERSON_ID,
    Listener,
    approved,
    contract_pdf,
    deliver_sandbox_callback,
    serve,
    settings_for,
    wait_envelope,
)
from lexseal_ca.pki import CRL_PATH
from lexseal_events import DocumentRef
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from servicekit.pytest_plugin import publish_raw, running
from servicekit.testing import TestIdentity
from signing.bootstrap import create_app

pytestmark = pytest.mark.integration

LAWYER = {"user_id": "lawyer-1", "roles": ["lawyer"]}
RISK = {"user_id": "risk-9", "roles": ["risk_control"]}
SEAL_SPOT = {"page": 1, "x": 72, "y": 100, "width": 100, "height": 100}


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def test_contract_is_signed_by_every_counterparty_then_the_firm(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
) -> None:
    pdf = contract_pdf()
    with serve({"/internal/contract/documents/1": (200, pdf)}) as base:
        settings = settings_for(pg_url, amqp_url, bus, identity, tmp_path)
        app = create_app(settings)
        async with running(app) as client:
            listener = Listener(amqp_url, bus["exchange"], bus)
            await listener.start()
            lawyer, risk = identity.headers(**LAWYER), identity.headers(**RISK)
            event = approved(f"{base}/internal/contract/documents/1", pdf)
            await publish_raw(amqp_url, bus["exchange"], event.to_json(), event.type)
            env = await wait_envelope(client, lawyer)
            prepared = await listener.wait_for("signing.envelope_prepared")
            assert prepared["data"]["signer_ids"] == ["p1", "e1", "firm"]
            assert [s["signer_id"] for s in env["signers"]] == ["p1", "e1", "firm"]
            assert len(env["verify_code"]) >= 22
            eid = env["id"]
            other = identity.headers(user_id="lawyer-2", roles=["lawyer"])
            assert (
                await client.get(f"/api/signing/envelopes/{eid}", headers=other)
            ).status_code == 404
            current = await client.get(f"/api/signing/envelopes/{eid}/document.pdf", headers=lawyer)
            assert current.content != pdf and current.content.startswith(b"%PDF")  # QR stamped

            # invitations: owner only; a new one voids the old
            r = await client.post(
                f"/api/signing/envelopes/{eid}/invitations", json={"signer_id": "p1"}, headers=risk
            )
            assert r.status_code == 403
            first = (
                await client.post(
                    f"/api/signing/envelopes/{eid}/invitations",
                    json={"signer_id": "p1"},
                    headers=lawyer,
                )
            ).json()
            inv_p = (
                await client.post(
                    f"/api/signing/envelopes/{eid}/invitations",
                    json={"signer_id": "p1"},
                    headers=lawyer,
                )
            ).json()
            assert (
                inv_p["url"].startswith("https://sign.example/sign/")
                and len(token_of(inv_p["url"])) >= 43
            )
            old = await client.get(f"/api/signing/invite/{token_of(first['url'])}")
            assert old.status_code == 409 and old.json()["error"]["code"] == "invitation_voided"
            qr = await client.get(
                f"/api/signing/envelopes/{eid}/invitations/{inv_p['invitation_id']}/qr.png",
                headers=lawyer,
            )
            assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")
            svg = await client.get(
                f"/api/signing/envelopes/{eid}/invitations/{inv_p['invitation_id']}/qr.svg",
                headers=lawyer,
            )
            assert b"<svg" in svg.content
            await listener.wait_for("signing.invitation_created")
            tp = "/api/signing/invite/" + token_of(inv_p["url"])

            page = await client.get("/sign/" + token_of(inv_p["url"]))
            assert page.status_code == 200 and "/sign/assets/sign.js" in page.text
            assert "<script>" not in page.text and "onclick" not in page.text  # strict CSP
            zh = (await client.get("/sign/assets/i18n/zh.json")).json()
            assert zh["consent.confirm"] == "确认签署" and zh["face.start"] == "开始人脸识别"
            # the page geometry and the seal drag, which the staff client's firm seal screen
            # imports from here too (through the gateway's /sign route)
            for shared in ("pagegeom.js", "sealdrag.js"):
                js = await client.get(f"/sign/assets/{shared}")
                assert js.status_code == 200 and "export function" in js.text
                assert js.headers["content-type"].startswith("text/javascript")
            img = await client.get(f"{tp}/pages/2.png")
            assert img.status_code == 200 and img.content.startswith(b"\x89PNG")
            assert (await client.get("/sign/" + "x" * 43)).status_code == 404
            # individual: mismatch, failed face, then pass
            state = (await client.get(tp)).json()
            assert state["sandbox"] is True and state["signer"]["kind"] == "individual"
            r = await client.post(f"{tp}/sign", json=SEAL_SPOT)
            assert r.status_code == 403 and r.json()["error"]["code"] == "identity_not_verified"
            person = {"name": "张三", "id_number": PERSON_ID, "mobile": MOBILE}
            r = await client.post(f"{tp}/verify/individual", json={**person, "name": "王五"})
            assert r.json()["error"]["code"] == "identity_mismatch"
            r = await client.post(
                f"{tp}/verify/individual", json={**person, "id_number": PERSON_ID[:-1] + "0"}
            )
            assert r.status_code == 422
            # the third element: the mobile the lawyer entered
            r = await client.post(f"{tp}/verify/individual", json={**person, "mobile": None})
            assert r.status_code == 422 and r.json()["error"]["code"] == "mobile_required"
            assert r.json()["error"]["details"] == {"field": "mobile"}
            r = await client.post(
                f"{tp}/verify/individual", json={**person, "mobile": "13800138001"}
            )
            assert r.json()["error"]["code"] == "identity_mismatch"
            r = await client.post(f"{tp}/verify/individual", json=person)
            assert r.status_code == 200 and r.json()["next"] == "face"
            # the hosted (H5) face check: a session, the provider's page, its signed callback
            r = await client.post(f"{tp}/face/session", json={})
            redirect = r.json()["redirect_url"]
            assert redirect.startswith("https://sign.example/sign/face-sandbox/sandbox-h5-"), (
                redirect
            )
            ref = redirect.split("?", 1)[0].rsplit("/", 1)[1]
            sandbox_page = await client.get(f"/sign/face-sandbox/{ref}")
            assert sandbox_page.status_code == 200 and "沙箱" in sandbox_page.text
            r = await deliver_sandbox_callback(client, ref, passed=False)
            assert r.json() == {"received": True, "status": "failed"}
            # the provider's retry of the same result is acknowledged again and changes nothing;
            # a different result for the answered session is refused
            retry = await deliver_sandbox_callback(client, ref, passed=False)
            assert retry.status_code == 200 and retry.json() == r.json(), retry.text
            again = await deliver_sandbox_callback(client, ref, passed=True)
            assert again.status_code == 409, again.text
            assert again.json()["error"]["code"] == "face_callback_replayed"
            state = (await client.get(tp)).json()
            assert state["face_status"] == "failed" and state["signer"]["status"] == "id_checked"
            # a callback not signed with the secret is refused and changes nothing
            forged = json.dumps({"session_id": ref, "passed": True}).encode()
            r = await client.post(
                "/sign/face/callback",
                content=forged,
                headers={"x-lexseal-signature": "sha256=" + "0" * 64},
            )
            assert r.status_code == 403 and r.json()["error"]["code"] == "face_callback_rejected"
            r = await client.post(f"{tp}/face/session", json={})
            ref = r.json()["redirect_url"].split("?", 1)[0].rsplit("/", 1)[1]
            r = await deliver_sandbox_callback(client, ref, passed=True)
            assert r.json() == {"received": True, "status": "passed"}
            state = (await client.get(tp)).json()
            assert state["signer"]["status"] == "verified" and state["signer"]["method"] == "face"
            verified = await listener.wait_for("signing.signer_verified")
            assert verified["data"]["signer_id"] == "p1" and verified["data"]["sandbox"] is True

            # the firm cannot go first
            r = await client.post(
                f"/api/signing/envelopes/{eid}/firm-sign",
                json={**SEAL_SPOT, "x": 300},
                headers=risk,
            )
            assert r.status_code == 409 and r.json()["error"]["code"] == "counterparties_pending"

            # signing intent: a 6-digit SMS code, confirmed before the signature
            r = await client.post(f"{tp}/sign", json=SEAL_SPOT)
            assert r.status_code == 403 and r.json()["error"]["code"] == "intent_not_confirmed"
            r = await client.post(f"{tp}/intent/request", json={})
            assert r.json()["mobile_masked"] == "139****9000"
            sms = await listener.wait_for("signing.sms_requested")
            assert sms["data"]["to"] == MOBILE and sms["data"]["purpose"] == "intent_code"
            code = (await client.get(tp)).json()["intent"]["sandbox_code"]
            assert code in sms["data"]["text"] and len(code) == 6
            wrong = "000000" if code != "000000" else "111111"
            r = await client.post(f"{tp}/intent/confirm", json={"code": wrong})
            assert r.status_code == 422 and r.json()["error"]["details"]["attempts_left"] == 4
            r = await client.post(f"{tp}/intent/confirm", json={"code": code})
            assert r.status_code == 200 and r.json()["confirmed"] is True

            # placement: over the QR code, or off the page, is refused
            r = await client.post(
                f"{tp}/sign", json={"page": 1, "x": 500, "y": 20, "width": 80, "height": 80}
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == "box_covers_qr"
            r = await client.post(
                f"{tp}/sign", json={"page": 1, "x": 560, "y": 700, "width": 80, "height": 80}
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == "box_outside_page"
            r = await client.post(f"{tp}/sign", json=SEAL_SPOT)
            assert r.status_code == 200 and r.json()["remaining_counterparties"] == 1
            signed1 = await listener.wait_for("signing.counterparty_signed")
            assert signed1["data"]["remaining_counterparties"] == 1

            # enterprise: details, sandbox amount, one wrong entry, the right one
            inv_e = (
                await client.post(
                    f"/api/signing/envelopes/{eid}/invitations",
                    json={"signer_id": "e1"},
                    headers=lawyer,
                )
            ).json()
            te = "/api/signing/invite/" + token_of(inv_e["url"])
            details = {
                "company_name": "北京星河科技有限公司",
                "credit_code": COMPANY_CODE,
                "legal_representative": "李四",
                "bank_account_number": ACCOUNT,
            }
            r = await client.post(
                f"{te}/verify/enterprise", json={**details, "legal_representative": "赵六"}
            )
            assert r.json()["error"]["code"] == "identity_mismatch"
            assert (await client.post(f"{te}/verify/enterprise", json=details)).status_code == 200
            r = await client.post(f"{te}/deposit/request")
            assert r.status_code == 200 and r.json()["sandbox"] is True
            sent = (await client.get("/api/signing/sandbox/transfers", headers=risk)).json()
            assert (
                await client.get("/api/signing/sandbox/transfers", headers=lawyer)
            ).status_code == 403
            amount = sent["data"][0]["amount"]
            assert sent["sandbox"] is True and 0.01 <= float(amount) <= 0.99
            wrong = "0.01" if amount != "0.01" else "0.02"
            r = await client.post(f"{te}/deposit/confirm", json={"amount": wrong})
            assert (
                r.json()["error"]["code"] == "deposit_wrong_amount"
                and r.json()["error"]["details"]["attempts_left"] == 2
            )
            r = await client.post(f"{te}/deposit/confirm", json={"amount": amount})
            assert r.json()["method"] == "micro_deposit"
            seal = await client.get(f"{te}/seal.png")
            assert seal.content.startswith(b"\x89PNG")
            r = await client.post(f"{te}/intent/request", json={})
            code = (await client.get(te)).json()["intent"]["sandbox_code"]
            assert (await client.post(f"{te}/intent/confirm", json={"code": code})).is_success
            r = await client.post(f"{te}/sign", json={**SEAL_SPOT, "x": 200})
            assert r.json()["remaining_counterparties"] == 0

            # the firm: not by a lawyer, not by the owner, then by risk control
            r = await client.post(
                f"/api/signing/envelopes/{eid}/firm-sign",
                json={**SEAL_SPOT, "x": 330},
                headers=lawyer,
            )
            assert r.status_code == 403
            owner_rc = identity.headers(user_id="lawyer-1", roles=["lawyer", "risk_control"])
            r = await client.post(
                f"/api/signing/envelopes/{eid}/firm-sign",
                json={**SEAL_SPOT, "x": 330},
                headers=owner_rc,
            )
            assert r.status_code == 403 and r.json()["error"]["code"] == "owner_cannot_firm_sign"
            r = await client.post(
                f"/api/signing/envelopes/{eid}/firm-sign",
                json={**SEAL_SPOT, "x": 330},
                headers=risk,
            )
            assert r.status_code == 200 and r.json()["status"] == "completed"
            done = await listener.wait_for("signing.completed")
            ref = DocumentRef.model_validate(done["data"]["document"])
            assert ref.url.startswith(settings.internal_base_url + "/internal/signing/documents/")
            assert done["data"]["verify_url"] == f"https://sign.example/verify/{env['verify_code']}"
            signed = (
                await client.get(f"/api/signing/envelopes/{eid}/document.pdf", headers=lawyer)
            ).content
            assert hashlib.sha256(signed).hexdigest() == ref.sha256
            internal = await client.get(httpx.URL(ref.url).path)
            assert internal.status_code == 403  # sibling services only
            assert (
                await client.get(f"{tp}/document.pdf")
            ).content == signed  # the signer, by token

            # verification: the page and the API
            page = await client.get(f"/verify/{env['verify_code']}")
            assert (
                page.status_code == 200
                and "文件完整" in page.text
                and "张三" in page.text
                and "北京星河科技有限公司" in page.text
            )
            # one card per signature: who, when in Beijing time to the second, the issuer
            assert page.text.count('class="card sig"') == 3 and "<table" not in page.text
            assert re.search(r"<dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</dd>", page.text)
            assert "证书签发机构" in page.text and "+00:00" not in page.text
            assert "人脸识别（沙箱认证" in page.text  # how each party was verified, and how real
            client.cookies.set("lexseal_lang", "en")  # the remembered switch
            english = await client.get(f"/verify/{env['verify_code']}")
            client.cookies.delete("lexseal_lang")
            assert "The file is intact and every signature is valid" in english.text
            assert "文件完整" not in english.text
            # an uploaded file's result is the same page, never raw JSON
            uploaded = await client.post(
                "/verify/upload", files={"file": ("s.pdf", signed, "application/pdf")}
            )
            assert uploaded.headers["content-type"].startswith("text/html")
            assert "文件完整，签名有效" in uploaded.text and "s.pdf" in uploaded.text
            assert uploaded.text.count('class="card sig"') == 3
            unsigned = await client.post(
                "/verify/upload", files={"file": ("u.pdf", contract_pdf(), "application/pdf")}
            )
            assert "文件尚未签章" in unsigned.text and "not signed" not in unsigned.text.lower()
            result = (
                await client.post(
                    "/api/verify", files={"file": ("s.pdf", signed, "application/pdf")}
                )
            ).json()
            assert result["valid"] is True and len(result["signatures"]) == 3
            assert all(
                s["intact"] and s["trusted"] and not s["modified_after"]
                for s in result["signatures"]
            )
            ca = await client.get("/api/verify/ca.pem")
            assert ca.content.startswith(b"-----BEGIN CERTIFICATE-----")
            # long-term validation data: the published CRL sits in the document's DSS, and
            # every certificate names where it is published
            crl = (await client.get(CRL_PATH)).content
            reader = PdfFileReader(io.BytesIO(signed))
            dss = DocumentSecurityStore.read_dss(reader)
            assert crl in {ref.get_object().data for ref in dss.crls}
            for sig in reader.embedded_regular_signatures:
                points = sig.signer_cert.crl_distribution_points
                assert [p.url for p in points] == [f"https://sign.example{CRL_PATH}"]

            # evidence package
            z = await client.get(f"/api/signing/envelopes/{eid}/evidence.zip", headers=lawyer)
            with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
                manifest = json.loads(zf.read("manifest.json"))
                assert zf.read("signed.pdf") == signed
                audit_pdf = zf.read("audit-trail.pdf")
            assert (
                manifest["files"]["audit-trail.pdf"]["sha256"]
                == hashlib.sha256(audit_pdf).hexdigest()
            )
            audit_check = (
                await client.post("/api/verify", files={"file": ("a.pdf", audit_pdf)})
            ).json()
            assert audit_check["valid"] is True
            await listener.stop()
