"""Partners receive events with signers' identifiers masked."""

from __future__ import annotations

import json

from cnid import make_credit_code, make_resident_id
from lexseal_events import (
    Completed,
    CompletedData,
    DocumentRef,
    ReviewApproved,
    ReviewApprovedData,
    SignerInfo,
)
from notify.domain.redaction import partner_payload


def test_signer_identifiers_are_masked_for_partners() -> None:
    rid, code = make_resident_id(), make_credit_code()
    event = ReviewApproved(
        source="lexseal/review",
        subject="c-1",
        data=ReviewApprovedData(
            contract_id="c-1",
            review_id="r",
            round=1,
            reviewer_id="u",
            reviewer_name="risk1",
            owner_id="o",
            title="合同",
            document=DocumentRef(sha256="a" * 64, size=1, url="http://internal/x"),
            signers=[
                SignerInfo(
                    signer_id="s1",
                    kind="individual",
                    name="李四",
                    id_number=rid,
                    mobile="13800138000",
                ),
                SignerInfo(
                    signer_id="s2",
                    kind="enterprise",
                    name="甲公司",
                    id_number=code,
                    bank_account_number="6222020200112233445",
                ),
            ],
        ),
    )
    text = partner_payload(event)
    for secret in (rid, code, "13800138000", "6222020200112233445"):
        assert secret not in text
    signers = json.loads(text)["data"]["signers"]
    assert signers[0]["id_number"].endswith(rid[-4:]) and "*" in signers[0]["id_number"]
    assert signers[1]["bank_account_number"].endswith("3445")
    assert json.loads(text)["id"] == event.id


def test_partners_get_the_public_document_route_never_the_internal_claim_check() -> None:
    internal = "http://signing:8003/internal/signing/documents/" + "b" * 64
    public = "https://sign.example.cn/api/signing/partner/envelopes/e-1/signed.pdf"
    event = Completed(
        source="lexseal/signing",
        subject="e-1",
        data=CompletedData(
            envelope_id="e-1",
            contract_id="c-1",
            owner_id="o",
            document=DocumentRef(sha256="b" * 64, size=3, url=internal, public_url=public),
            verify_code="V",
            verify_url="https://sign.example.cn/verify/V",
            firm_signer_id="r",
            evidence_url="https://sign.example.cn/api/signing/partner/envelopes/e-1/evidence.zip",
        ),
    )
    text = partner_payload(event)
    assert "/internal/" not in text
    document = json.loads(text)["data"]["document"]
    assert document["url"] == public and document["public_url"] == public
    assert document["sha256"] == "b" * 64
    # a document without a public route reaches partners without any URL
    bare = event.model_copy(
        update={
            "data": event.data.model_copy(
                update={"document": DocumentRef(sha256="b" * 64, size=3, url=internal)}
            )
        }
    )
    assert "url" not in json.loads(partner_payload(bare))["data"]["document"]
