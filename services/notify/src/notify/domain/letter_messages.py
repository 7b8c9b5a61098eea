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

# (kind, title, body, subject_type, subject_id, user_id, role): a Message's fields, in order
MessageFields = tuple[str, str, str, str, str, str | None, str | None]

_KIND = {"electronic": "电子所函", "paper": "纸质所函"}


def letter_messages(event: CloudEvent) -> list[MessageFields]:
    """Return the message fields a letter event causes."""
    match event:
        case LetterSubmitted(data=d):
            body = f"{d.owner_name} 申请{_KIND[d.kind]}（{d.letter_type}），致 {d.recipient_org}"
            return [
                (event.type, "新的所函申请待审批", body, "letter", d.letter_id, None, LETTER_ADMIN)
            ]
        case LetterApproved(data=d):
            body = f"所函已审批通过，函号 {d.number}"
            return [(event.type, "所函已审批", body, "letter", d.letter_id, d.owner_id, None)]
        case LetterRejected(data=d):
            body = f"所函申请被退回：{d.reason}"
            return [(event.type, "所函申请未通过", body, "letter", d.letter_id, d.owner_id, None)]
        case LetterSealed(data=d):
            body = f"所函 {d.number} 已加盖律所电子印章，可下载或分享"
            return [(event.type, "所函已盖章", body, "letter", d.letter_id, d.owner_id, None)]
        case LetterMailed(data=d):
            courier = " ".join(x for x in (d.courier, d.tracking_no) if x)
            body = f"纸质所函 {d.number} 已寄出" + (f"（{courier}）" if courier else "")
            return [(event.type, "所函已寄出", body, "letter", d.letter_id, d.owner_id, None)]
        case LetterReadyForPickup(data=d):
            body = f"纸质所函 {d.number} 已可领取"
            return [(event.type, "所函待领取", body, "letter", d.letter_id, d.owner_id, None)]
    return []
