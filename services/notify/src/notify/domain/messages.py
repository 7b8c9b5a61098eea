"""What each event tells whom: pure mapping from an event to in-app messages."""

from __future__ import annotations

from dataclasses import dataclass

from lexseal_events import (
    CloudEvent,
    Completed,
    ContractSubmitted,
    CounterpartySigned,
    Declined,
    ReviewApproved,
    ReviewRejected,
)
from servicekit.auth import RISK_CONTROL


@dataclass(frozen=True)
class Message:
    """One in-app message: to a user or to a role."""

    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    user_id: str | None = None
    role: str | None = None


def messages_for(event: CloudEvent) -> list[Message]:
    """Return the messages an event causes (none for events nobody is told about)."""
    match event:
        case ContractSubmitted(data=d):
            return [
                Message("contract.submitted", "新的合同待审核", f"《{d.title}》由 {d.owner_name} 提交（第 {d.round} 轮）",
                        "contract", d.contract_id, role=RISK_CONTROL)
            ]
        case ReviewApproved(data=d):
            return [
                Message("review.approved", "合同已审核通过", f"《{d.title}》已审核，可邀请对方签章",
                        "contract", d.contract_id, user_id=d.owner_id)
            ]
        case ReviewRejected(data=d):
            reasons = "、".join(d.reasons)
            return [
                Message("review.rejected", "合同审核未通过", f"《{d.title}》被退回：{reasons}。{d.comment or ''}".strip(),
                        "contract", d.contract_id, user_id=d.owner_id)
            ]
        case CounterpartySigned(data=d) if d.remaining_counterparties == 0:
            return [
                Message("signing.counterparty_signed", "对方已签章，待律所签章", f"{d.signer_name} 已签章",
                        "contract", d.contract_id, role=RISK_CONTROL),
                Message("signing.counterparty_signed", "对方已签章", f"{d.signer_name} 已签章",
                        "contract", d.contract_id, user_id=d.owner_id),
            ]
        case CounterpartySigned(data=d):
            return [
                Message("signing.counterparty_signed", "签章人已签章", f"{d.signer_name} 已签章",
                        "contract", d.contract_id, user_id=d.owner_id)
            ]
        case Declined(data=d):
            return [
                Message("signing.declined", "签章人拒绝签署", f"{d.signer_name}：{d.reason}",
                        "contract", d.contract_id, user_id=d.owner_id)
            ]
        case Completed(data=d):
            return [
                Message("signing.completed", "合同已签章完成", "双方签章完成，可下载已签署文件",
                        "contract", d.contract_id, user_id=d.owner_id)
            ]
    return []
