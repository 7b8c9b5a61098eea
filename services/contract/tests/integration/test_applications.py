"""A lawyer's application from draft to submission, with the rules the service enforces."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from harness import (
    CREDIT_CODE,
    LAWYER,
    OTHER_LAWYER,
    RESIDENT_ID,
    RISK,
    enterprise,
    harness,
    individual,
)
from servicekit.internal import INTERNAL_HEADER, internal_token
from servicekit.testing import TestIdentity

pytestmark = pytest.mark.integration


@pytest.fixture
async def h(
    pg_url: str, amqp_url: str, bus: dict[str, str], identity: TestIdentity, tmp_path: Path
):  # type: ignore[no-untyped-def]
    async with harness(
        pg_url=pg_url, amqp_url=amqp_url, bus=bus, identity=identity, data_dir=tmp_path
    ) as h:
        yield h


async def test_the_cross_page_seal_choice_is_kept_changed_and_submitted(h) -> None:  # type: ignore[no-untyped-def]
    c = await h.ready()
    cid = c["id"]
    assert (await h.get(f"/contracts/{cid}")).json()["cross_page_seal"] is False
    bad = await h.client.patch(
        f"/api/contract/contracts/{cid}", json={"cross_page_seal": "maybe"}, headers=h.as_(LAWYER)
    )
    assert bad.status_code == 422
    changed = await h.client.patch(
        f"/api/contract/contracts/{cid}", json={"cross_page_seal": True}, headers=h.as_(LAWYER)
    )
    assert changed.status_code == 200 and changed.json()["cross_page_seal"] is True
    # risk control sees it on the application as well as in the submission it reviews
    assert (await h.get(f"/contracts/{cid}", who=RISK)).json()["cross_page_seal"] is True
    assert (await h.post(f"/contracts/{cid}/submit")).status_code == 200
    event = await h.published("contract.submitted")
    assert event["data"]["cross_page_seal"] is True


async def test_submit_publishes_the_application_with_full_signers_and_a_fetchable_document(
    h, pg_url
) -> None:  # type: ignore[no-untyped-def]
    c = await h.ready(signers=[individual(), enterprise()])
    resp = await h.post(f"/contracts/{c['id']}/submit")
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "submitted" and resp.json()["round"] == 1
    event = await h.published("contract.submitted")
    data = event["data"]
    assert event["subject"] == c["id"] and data["round"] == 1
    assert data["amount"] == "120000.50" and data["case_serial_no"] == "AJ2026-0042"
    assert [s["id_number"] for s in data["signers"]] == [RESIDENT_ID, CREDIT_CODE]
    assert data["signers"][1]["bank_account_number"] == "6222020200112233445"
    assert data["scan_warning"] is None and data["document"]["page_count"] == 2
    assert data["cross_page_seal"] is False
    url = data["document"]["url"]
    sha256 = data["document"]["sha256"]
    assert url == f"{h.settings.internal_base_url}/internal/contract/documents/{sha256}"
    path = url.removeprefix(h.settings.internal_base_url)
    assert (await h.client.get(path)).status_code == 403
    token = internal_token(secret=h.settings.internal_secret, path=path)
    got = await h.client.get(path, headers={INTERNAL_HEADER: token})
    assert got.status_code == 200 and len(got.content) == data["document"]["size"]
    # the signer ids on the bus are the ones the lawyer sees
    detail = (await h.get(f"/contracts/{c['id']}")).json()
    assert [s["id"] for s in detail["signers"]] == [s["signer_id"] for s in data["signers"]]
    assert [(t["from_status"], t["to_status"]) for t in detail["timeline"]] == [
        (None, "draft"),
        ("draft", "submitted"),
    ]
    conn = await asyncpg.connect(pg_url.replace("+asyncpg", ""))
    try:
        actions = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM audit_log WHERE object_id=$1 ORDER BY id", c["id"]
            )
        ]
        masked_after = await conn.fetchval(
            "SELECT after FROM audit_log WHERE object_id=$1 AND action='signer.add' LIMIT 1",
            c["id"],
        )
    finally:
        await conn.close()
    assert actions == [
        "contract.create",
        "contract.document_upload",
        "signer.add",
        "signer.add",
        "contract.submit",
    ]
    assert RESIDENT_ID not in masked_after and RESIDENT_ID[-4:] in masked_after


async def test_submit_needs_a_document_and_a_signer_and_happens_once(h) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    resp = await h.post(f"/contracts/{c['id']}/submit")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "document_required"
    assert resp.json()["error"]["message"] == "请先上传合同文件"
    en = await h.client.post(
        f"/api/contract/contracts/{c['id']}/submit",
        headers={"Accept-Language": "en"} | h.as_(LAWYER),
    )
    assert en.json()["error"]["message"] == "Upload the contract document first"
    ready = await h.ready()
    assert (await h.post(f"/contracts/{ready['id']}/submit")).status_code == 200
    again = await h.post(f"/contracts/{ready['id']}/submit")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_status"
    edit = await h.client.patch(
        f"/api/contract/contracts/{ready['id']}", json={"title": "改"}, headers=h.as_(LAWYER)
    )
    assert edit.status_code == 409
    signer = await h.post(f"/contracts/{ready['id']}/signers", json=individual())
    assert signer.status_code == 409


async def test_only_lawyers_create_and_others_objects_answer_404(h) -> None:  # type: ignore[no-untyped-def]
    from harness import application

    assert (await h.post("/contracts", RISK, json=application())).status_code == 403
    assert (await h.client.post("/api/contract/contracts", json=application())).status_code == 401
    c = await h.ready()
    for path in (
        f"/contracts/{c['id']}",
        f"/contracts/{c['id']}/document",
        f"/contracts/{c['id']}/pages/1.png",
    ):
        assert (await h.get(path, OTHER_LAWYER)).status_code == 404
        assert (await h.get(path, RISK)).status_code == 200
    assert (await h.post(f"/contracts/{c['id']}/submit", OTHER_LAWYER)).status_code == 404
    assert (await h.post(f"/contracts/{c['id']}/withdraw", OTHER_LAWYER)).status_code == 404
    assert (await h.post(f"/contracts/{c['id']}/submit", RISK)).status_code == 403
    assert (await h.get(f"/contracts/{c['id']}")).json()["status"] == "draft"


async def test_status_owner_and_reviewer_cannot_be_set_by_the_client(h) -> None:  # type: ignore[no-untyped-def]
    from harness import application

    resp = await h.post("/contracts", json=application(status="approved", owner_id="lawyer-2"))
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_error"
    c = await h.create()
    patch = await h.client.patch(
        f"/api/contract/contracts/{c['id']}",
        json={"status": "completed", "reviewer_id": "me"},
        headers=h.as_(LAWYER),
    )
    assert patch.status_code == 422
    body = (await h.get(f"/contracts/{c['id']}")).json()
    assert (
        body["status"] == "draft"
        and body["owner_id"] == "lawyer-1"
        and body["reviewer_name"] is None
    )


async def test_edit_changes_fields_and_rejects_a_bad_amount(h) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    url = f"/api/contract/contracts/{c['id']}"
    ok = await h.client.patch(
        url, json={"title": "新标题", "amount": "99.9"}, headers=h.as_(LAWYER)
    )
    assert (
        ok.status_code == 200 and ok.json()["title"] == "新标题" and ok.json()["amount"] == "99.90"
    )
    bad = await h.client.patch(url, json={"amount": "1.234"}, headers=h.as_(LAWYER))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "amount_invalid"
    neg = await h.client.patch(url, json={"amount": "-5"}, headers=h.as_(LAWYER))
    assert neg.status_code == 422
    assert (await h.get(f"/contracts/{c['id']}")).json()["amount"] == "99.90"


async def test_signers_are_validated_and_masked_for_everyone_but_the_owner(h) -> None:  # type: ignore[no-untyped-def]
    c = await h.create()
    bad_id = RESIDENT_ID[:-1] + ("0" if RESIDENT_ID[-1] != "0" else "1")
    resp = await h.post(f"/contracts/{c['id']}/signers", json=individual(id_number=bad_id))
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0] == {
        "field": "id_number",
        "code": "resident_id_checksum",
        "message": "the check character does not match",
    }
    missing = await h.post(
        f"/contracts/{c['id']}/signers", json=enterprise(bank_account_number=None)
    )
    assert [d["field"] for d in missing.json()["error"]["details"]] == ["bank_account_number"]
    bad_code = await h.post(
        f"/contracts/{c['id']}/signers", json=enterprise(id_number=CREDIT_CODE[:-1] + "0")
    )
    assert bad_code.json()["error"]["details"][0]["code"] == "credit_code_checksum"
    s = (await h.post(f"/contracts/{c['id']}/signers", json=enterprise())).json()
    owner_view = (await h.get(f"/contracts/{c['id']}")).json()["signers"][0]
    risk_view = (await h.get(f"/contracts/{c['id']}", RISK)).json()["signers"][0]
    assert owner_view["id_number"] == CREDIT_CODE and not owner_view["masked"]
    assert risk_view["masked"] and risk_view["id_number"] != CREDIT_CODE
    assert (
        risk_view["bank_account_number"] == "****3445"
        and risk_view["operator_mobile"] == "139****1111"
    )
    patch = await h.client.patch(
        f"/api/contract/contracts/{c['id']}/signers/{s['id']}",
        json={"operator_mobile": "12345"},
        headers=h.as_(LAWYER),
    )
    assert (
        patch.status_code == 422 and patch.json()["error"]["details"][0]["code"] == "mobile_format"
    )
    patch = await h.client.patch(
        f"/api/contract/contracts/{c['id']}/signers/{s['id']}",
        json={"operator_name": "钱七"},
        headers=h.as_(LAWYER),
    )
    assert patch.json()["operator_name"] == "钱七"
    other = await h.client.delete(
        f"/api/contract/contracts/{c['id']}/signers/{s['id']}", headers=h.as_(OTHER_LAWYER)
    )
    assert other.status_code == 404
    gone = await h.client.delete(
        f"/api/contract/contracts/{c['id']}/signers/{s['id']}", headers=h.as_(LAWYER)
    )
    assert gone.status_code == 204
    assert (await h.get(f"/contracts/{c['id']}")).json()["signers"] == []


async def test_withdraw_publishes_and_ends_the_application(h) -> None:  # type: ignore[no-untyped-def]
    c = await h.ready()
    await h.post(f"/contracts/{c['id']}/submit")
    resp = await h.post(f"/contracts/{c['id']}/withdraw", json={"reason": "客户取消"})
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"
    event = await h.published("contract.withdrawn")
    assert event["data"] == {
        "contract_id": c["id"],
        "round": 1,
        "owner_id": "lawyer-1",
        "actor_id": "lawyer-1",
        "reason": "客户取消",
    }
    assert (await h.post(f"/contracts/{c['id']}/withdraw")).status_code == 409
    assert (await h.post(f"/contracts/{c['id']}/submit")).status_code == 409
    assert resp.json()["timeline"][-1]["note"] == "客户取消"


async def test_a_partner_key_with_contracts_read_reads_applications_masked_and_changes_none(
    h,
) -> None:  # type: ignore[no-untyped-def]
    c = await h.ready(signers=[individual()])
    cid = c["id"]
    reader = {
        "user_id": "apikey:k1",
        "username": "partner:crm",
        "roles": ["partner"],
        "scopes": ["contracts:read"],
    }
    documents_only = {"user_id": "apikey:k2", "roles": ["partner"], "scopes": ["documents:read"]}
    detail = await h.get(f"/contracts/{cid}", reader)
    assert detail.status_code == 200, detail.text
    signer = detail.json()["signers"][0]
    assert signer["masked"] is True and signer["id_number"] != RESIDENT_ID
    listed = await h.get("/contracts", reader)
    assert cid in [row["id"] for row in listed.json()["data"]]
    for path in (f"/contracts/{cid}", "/contracts"):
        refused = await h.get(path, documents_only)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"
    # reading is all it grants: no document download, no change
    assert (await h.get(f"/contracts/{cid}/document", reader)).status_code == 403
    assert (await h.post(f"/contracts/{cid}/submit", reader)).status_code == 403
