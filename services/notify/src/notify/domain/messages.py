"""What each event tells whom: pure mapping from an event to in-app messages."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from lexseal_events import (
    CloudEvent,
    Completed,
    ContractSubmitted,
    ContractWithdrawn,
    CounterpartySigned,
    Declined,
    Expired,
    InvitationCreated,
    ReviewApproved,
    ReviewRejected,
    SignerVerified,
    Voided,
)
from servicekit.auth import RISK_CONTROL

from .letter_messages import letter_messages

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def _to_owner(event: CloudEvent, title: str, body: str, contract_id: str, owner_id: str) -> Message:
    return Message(event.type, title, body, "contract", contract_id, user_id=owner_id)


def messages_for(event: CloudEvent) -> list[Message]:
    """Return the messages an event causes (none for events nobody is told about)."""
    match event:
        case ContractSubmitted(data=d):
            body = f"《{d.title}》由 {d.owner_name} 提交（第 {d.round} 轮）"
            return [
                Message(
                    event.type, "新的合同待审核", body, "contract", d.contract_id, role=RISK_CONTROL
                )
            ]
        case ContractWithdrawn(data=d):
            body = f"合同申请（第 {d.round} 轮）已由申请人撤回" + (
                f"：{d.reason}" if d.reason else ""
            )
            return [
                Message(
                    event.type, "合同申请已撤回", body, "contract", d.contract_id, role=RISK_CONTROL
                )
            ]
        case ReviewApproved(data=d):
            return [
                _to_owner(
                    event,
                    "合同已审核通过",
                    f"《{d.title}》已审核，可邀请对方签章",
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case ReviewRejected(data=d):
            reasons = "、".join(d.reasons)
            body = f"《{d.title}》被退回：{reasons}。{d.comment or ''}".strip()
            return [_to_owner(event, "合同审核未通过", body, d.contract_id, d.owner_id)]
        case InvitationCreated(data=d):
            body = (
                f"已为 {d.signer_name} 生成签章邀请（新邀请使旧链接作废），"
                f"有效期至 {d.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）"
            )
            return [_to_owner(event, "签章邀请已生成", body, d.contract_id, d.owner_id)]
        case SignerVerified(data=d):
            method = "人脸识别" if d.method == "face" else "对公账户小额打款"
            body = f"{d.signer_name} 已通过{method}身份验证" + ("（沙箱）" if d.sandbox else "")
            return [_to_owner(event, "签章人已完成身份验证", body, d.contract_id, d.owner_id)]
        case CounterpartySigned(data=d) if d.remaining_counterparties == 0:
            return [
                Message(
                    event.type,
                    "对方已签章，待律所签章",
                    f"{d.signer_name} 已签章",
                    "contract",
                    d.contract_id,
                    role=RISK_CONTROL,
                ),
                _to_owner(
                    event, "对方已签章", f"{d.signer_name} 已签章", d.contract_id, d.owner_id
                ),
            ]
        case CounterpartySigned(data=d):
            return [
                _to_owner(
                    event, "签章人已签章", f"{d.signer_name} 已签章", d.contract_id, d.owner_id
                )
            ]
        case Declined(data=d):
            return [
                _to_owner(
                    event,
                    "签章人拒绝签署",
                    f"{d.signer_name}：{d.reason}",
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case Voided(data=d):
            body = "签署流程已作废" + (f"：{d.reason}" if d.reason else "")
            return [_to_owner(event, "签署流程已作废", body, d.contract_id, d.owner_id)]
        case Expired(data=d):
            body = f"签署邀请已于 {d.expired_at:%Y-%m-%d %H:%M} (UTC) 过期，请重新发起"
            return [_to_owner(event, "签署已过期", body, d.contract_id, d.owner_id)]
        case Completed(data=d):
            return [
                _to_owner(
                    event,
                    "合同已签章完成",
                    "双方签章完成，可下载已签署文件",
                    d.contract_id,
                    d.owner_id,
                )
            ]
    return [Message(*m) for m in letter_messages(event)]
