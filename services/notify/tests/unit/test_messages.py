"""Who is told about what: letters go to the letter admin or the applicant, signing to the owner."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lexseal_events import (
    ContractWithdrawn,
    ContractWithdrawnData,
    DocumentRef,
    Expired,
    ExpiredData,
    InvitationCreated,
    InvitationCreatedData,
    LetterApproved,
    LetterApprovedData,
    LetterDeliveryData,
    LetterMailed,
    LetterPrinted,
    LetterSubmitted,
    LetterSubmittedData,
    SignerVerified,
    SignerVerifiedData,
    Voided,
    VoidedData,
)
from notify.domain.messages import messages_for

DOC = DocumentRef(sha256="c" * 64, size=1, url="http://letters/internal/x")
ENV = {"envelope_id": "e-1", "contract_id": "c-1", "owner_id": "lawyer-1"}


def letter_submitted() -> LetterSubmitted:
    """A paper letter to 某法院, submitted by lawyer-1 (the use-case tests take it too)."""
    return LetterSubmitted(
        source="lexseal/letters",
        subject="l-1",
        data=LetterSubmittedData(
            letter_id="l-1",
            owner_id="lawyer-1",
            kind="paper",
            owner_name="张律师",
            letter_type="律师函",
            case_serial_no="2026-001",
            cause_of_action="合同纠纷",
            recipient_org="某法院",
            letter_date=date(2026, 11, 29),
        ),
    )


def test_a_letter_application_goes_to_the_letter_admins() -> None:
    event = letter_submitted()
    [m] = messages_for(event)
    assert (m.role, m.user_id, m.subject_type, m.subject_id) == (
        "letter_admin",
        None,
        "letter",
        "l-1",
    )
    assert "纸质所函" in m.body and "某法院" in m.body


def test_letter_progress_goes_to_the_applicant() -> None:
    approved = LetterApproved(
        source="lexseal/letters",
        subject="l-1",
        data=LetterApprovedData(
            letter_id="l-1",
            owner_id="lawyer-1",
            kind="electronic",
            number="(2026)某律函字第7号",
            approver_id="adm",
            letter_type="律师函",
            document=DOC,
        ),
    )
    mailed = LetterMailed(
        source="lexseal/letters",
        subject="l-1",
        data=LetterDeliveryData(
            letter_id="l-1",
            owner_id="lawyer-1",
            kind="paper",
            number="N7",
            actor_id="adm",
            courier="顺丰",
            tracking_no="SF123",
        ),
    )
    for event, text in ((approved, "第7号"), (mailed, "SF123")):
        [m] = messages_for(event)
        assert m.user_id == "lawyer-1" and m.role is None and text in m.body
    printed = LetterPrinted(source="lexseal/letters", subject="l-1", data=mailed.data)
    assert messages_for(printed) == []


def test_signing_progress_goes_to_the_contract_owner() -> None:
    when = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    events = [
        InvitationCreated(
            source="s",
            subject="e-1",
            data=InvitationCreatedData(**ENV, signer_id="s1", signer_name="李四", expires_at=when),
        ),
        SignerVerified(
            source="s",
            subject="e-1",
            data=SignerVerifiedData(
                **ENV, signer_id="s2", signer_name="乙公司", method="micro_deposit", sandbox=True
            ),
        ),
        Voided(
            source="s", subject="e-1", data=VoidedData(**ENV, actor_id="lawyer-1", reason="改签")
        ),
        Expired(source="s", subject="e-1", data=ExpiredData(**ENV, expired_at=when)),
    ]
    bodies = []
    for event in events:
        [m] = messages_for(event)
        assert (m.user_id, m.subject_id, m.kind) == ("lawyer-1", "c-1", event.type)
        bodies.append(m.body)
    # Beijing time (UTC+8), never UTC; and a new invitation voids the old link
    assert "2026-12-01 16:00（北京时间）" in bodies[0] and "作废" in bodies[0]
    assert "小额打款" in bodies[1] and "沙箱" in bodies[1]
    assert "改签" in bodies[2]


def test_a_withdrawal_tells_risk_control() -> None:
    event = ContractWithdrawn(
        source="c",
        subject="c-1",
        data=ContractWithdrawnData(
            contract_id="c-1", round=2, owner_id="lawyer-1", actor_id="lawyer-1", reason="客户取消"
        ),
    )
    [m] = messages_for(event)
    assert m.role == "risk_control" and "第 2 轮" in m.body and "客户取消" in m.body


def test_every_message_has_an_english_text_without_chinese_fixed_words() -> None:
    """The English reader's texts carry no Chinese but what the event's data holds."""
    import re

    from lexseal_events import ReviewRejected, ReviewRejectedData

    rejected = ReviewRejected(
        source="r",
        subject="c-1",
        data=ReviewRejectedData.model_validate(
            {
                "contract_id": "c-1",
                "review_id": "r-1",
                "reviewer_name": "Risk",
                "round": 1,
                "owner_id": "lawyer-1",
                "title": "T",
                "reviewer_id": "risk-1",
                "reasons": ["amount_wrong"],
                "comment": None,
            }
        ),
    )
    when = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    events = [
        rejected,
        Expired(source="s", subject="e-1", data=ExpiredData(**ENV, expired_at=when)),
        SignerVerified(
            source="s",
            subject="e-1",
            data=SignerVerifiedData(
                **ENV, signer_id="s2", signer_name="B Ltd", method="face", sandbox=False
            ),
        ),
    ]
    for event in events:
        for m in messages_for(event):
            assert m.title_en and m.body_en, m
            assert not re.search(r"[\u4e00-\u9fff]", m.title_en + m.body_en), m
    [r] = messages_for(rejected)
    assert "合同金额有误" in r.body and "amount is wrong" in r.body_en  # labels, not codes
    [x] = messages_for(events[1])
    assert "2026-12-01 16:00（北京时间）" in x.body and "16:00 (Beijing time)" in x.body_en
