"""What letter events tell whom."""

from __future__ import annotations

from lexseal_events import (
    CloudEvent,
    LetterApproved,
    LetterMailed,
    LetterReadyForPickup,
    LetterRejected,
    LetterSealed,
    LetterSubmitted,
)
from servicekit.auth import LETTER_ADMIN

from .message import Message

_KIND = {
    "electronic": ("电子所函", "an electronic letter"),
    "paper": ("纸质所函", "a paper letter"),
}


def _to_applicant(
    kind: str, letter_id: str, owner_id: str, zh: tuple[str, str], en: tuple[str, str]
) -> list[Message]:
    return [
        Message(kind, *zh, "letter", letter_id, user_id=owner_id, title_en=en[0], body_en=en[1])
    ]


def letter_messages(event: CloudEvent) -> list[Message]:
    """Return the messages a letter event causes."""
    match event:
        case LetterSubmitted(data=d):
            zh, en = _KIND[d.kind]
            body = f"{d.owner_name} 申请{zh}（{d.letter_type}），致 {d.recipient_org}"
            body_en = f"{d.owner_name} applies for {en} ({d.letter_type}) to {d.recipient_org}"
            return [
                Message(
                    event.type,
                    "新的所函申请待审批",
                    body,
                    "letter",
                    d.letter_id,
                    role=LETTER_ADMIN,
                    title_en="A new letter application awaits approval",
                    body_en=body_en,
                )
            ]
        case LetterApproved(data=d):
            return _to_applicant(
                event.type,
                d.letter_id,
                d.owner_id,
                ("所函已审批", f"所函已审批通过，函号 {d.number}"),
                ("Letter approved", f"The letter is approved, number {d.number}"),
            )
        case LetterRejected(data=d):
            return _to_applicant(
                event.type,
                d.letter_id,
                d.owner_id,
                ("所函申请未通过", f"所函申请被退回：{d.reason}"),
                ("Letter application returned", f"The letter application was returned: {d.reason}"),
            )
        case LetterSealed(data=d):
            return _to_applicant(
                event.type,
                d.letter_id,
                d.owner_id,
                ("所函已盖章", f"所函 {d.number} 已加盖律所电子印章，可下载或分享"),
                (
                    "Letter sealed",
                    f"Letter {d.number} bears the firm's electronic seal; download or share it",
                ),
            )
        case LetterMailed(data=d):
            courier = " ".join(x for x in (d.courier, d.tracking_no) if x)
            body = f"纸质所函 {d.number} 已寄出" + (f"（{courier}）" if courier else "")
            body_en = f"Paper letter {d.number} was mailed" + (f" ({courier})" if courier else "")
            return _to_applicant(
                event.type,
                d.letter_id,
                d.owner_id,
                ("所函已寄出", body),
                ("Letter mailed", body_en),
            )
        case LetterReadyForPickup(data=d):
            return _to_applicant(
                event.type,
                d.letter_id,
                d.owner_id,
                ("所函待领取", f"纸质所函 {d.number} 已可领取"),
                ("Letter ready for pickup", f"Paper letter {d.number} is ready for pickup"),
            )
    return []
