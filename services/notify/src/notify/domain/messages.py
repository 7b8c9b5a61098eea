"""What each event tells whom: pure mapping from an event to in-app messages."""

from __future__ import annotations

from datetime import datetime
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
from .message import Message

__all__ = ["Message", "messages_for"]


SHANGHAI = ZoneInfo("Asia/Shanghai")


# the review service's rejection reasons (codes on the event), as a reader sees them
REASONS: dict[str, tuple[str, str]] = {
    "document_incomplete": ("合同文件不完整", "the document is incomplete"),
    "document_scanned": ("合同为纸质盖章后扫描件", "the document is a scan of a sealed paper copy"),
    "signer_identity_wrong": ("签署方身份信息有误", "a signer's identity data is wrong"),
    "bank_account_wrong": ("企业对公账户信息有误", "an enterprise's bank account is wrong"),
    "amount_wrong": ("合同金额有误", "the amount is wrong"),
    "other": ("其他", "other"),
}


def _to_owner(
    event: CloudEvent, zh: tuple[str, str], en: tuple[str, str], contract_id: str, owner_id: str
) -> Message:
    return Message(
        event.type, *zh, "contract", contract_id, user_id=owner_id, title_en=en[0], body_en=en[1]
    )


def _beijing(when: datetime) -> str:
    return f"{when.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def messages_for(event: CloudEvent) -> list[Message]:
    """Return the messages an event causes (none for events nobody is told about)."""
    match event:
        case ContractSubmitted(data=d):
            body = f"《{d.title}》由 {d.owner_name} 提交（第 {d.round} 轮）"
            body_en = f"“{d.title}” submitted by {d.owner_name} (round {d.round})"
            return [
                Message(
                    event.type,
                    "新的合同待审核",
                    body,
                    "contract",
                    d.contract_id,
                    role=RISK_CONTROL,
                    title_en="A new contract awaits review",
                    body_en=body_en,
                )
            ]
        case ContractWithdrawn(data=d):
            body = f"合同申请（第 {d.round} 轮）已由申请人撤回" + (
                f"：{d.reason}" if d.reason else ""
            )
            body_en = f"The application (round {d.round}) was withdrawn by the applicant" + (
                f": {d.reason}" if d.reason else ""
            )
            return [
                Message(
                    event.type,
                    "合同申请已撤回",
                    body,
                    "contract",
                    d.contract_id,
                    role=RISK_CONTROL,
                    title_en="Contract application withdrawn",
                    body_en=body_en,
                )
            ]
        case ReviewApproved(data=d):
            return [
                _to_owner(
                    event,
                    ("合同已审核通过", f"《{d.title}》已审核，可邀请对方签章"),
                    (
                        "Contract approved",
                        f"“{d.title}” is approved; you can invite the counterparty to sign",
                    ),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case ReviewRejected(data=d):
            zh = "、".join(REASONS.get(r, (r, r))[0] for r in d.reasons)
            en = "; ".join(REASONS.get(r, (r, r))[1] for r in d.reasons)
            comment = d.comment or ""
            return [
                _to_owner(
                    event,
                    ("合同审核未通过", f"《{d.title}》被退回：{zh}。{comment}".strip()),
                    ("Contract returned", f"“{d.title}” was returned: {en}. {comment}".strip()),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case InvitationCreated(data=d):
            when = _beijing(d.expires_at)
            body = (
                f"已为 {d.signer_name} 生成签章邀请（新邀请使旧链接作废），"
                f"有效期至 {when}（北京时间）"
            )
            body_en = (
                f"A signing invitation for {d.signer_name} was created (a new invitation voids"
                f" the old link); valid until {when} (Beijing time)"
            )
            return [
                _to_owner(
                    event,
                    ("签章邀请已生成", body),
                    ("Signing invitation created", body_en),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case SignerVerified(data=d):
            face = d.method == "face"
            method = "人脸识别" if face else "对公账户小额打款"
            method_en = "a face check" if face else "a micro-deposit to the corporate account"
            body = f"{d.signer_name} 已通过{method}身份验证" + ("（沙箱）" if d.sandbox else "")
            body_en = f"{d.signer_name} passed {method_en}" + (" (sandbox)" if d.sandbox else "")
            return [
                _to_owner(
                    event,
                    ("签章人已完成身份验证", body),
                    ("Signer's identity verified", body_en),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case CounterpartySigned(data=d) if d.remaining_counterparties == 0:
            signed = (f"{d.signer_name} 已签章", f"{d.signer_name} has signed")
            return [
                Message(
                    event.type,
                    "对方已签章，待律所签章",
                    signed[0],
                    "contract",
                    d.contract_id,
                    role=RISK_CONTROL,
                    title_en="The counterparty has signed; the firm's seal is due",
                    body_en=signed[1],
                ),
                _to_owner(
                    event,
                    ("对方已签章", signed[0]),
                    ("The counterparty has signed", signed[1]),
                    d.contract_id,
                    d.owner_id,
                ),
            ]
        case CounterpartySigned(data=d):
            return [
                _to_owner(
                    event,
                    ("签章人已签章", f"{d.signer_name} 已签章"),
                    ("A signer has signed", f"{d.signer_name} has signed"),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case Declined(data=d):
            return [
                _to_owner(
                    event,
                    ("签章人拒绝签署", f"{d.signer_name}：{d.reason}"),
                    ("A signer declined", f"{d.signer_name}: {d.reason}"),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case Voided(data=d):
            body = "签署流程已作废" + (f"：{d.reason}" if d.reason else "")
            body_en = "The signing was voided" + (f": {d.reason}" if d.reason else "")
            return [
                _to_owner(
                    event,
                    ("签署流程已作废", body),
                    ("Signing voided", body_en),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case Expired(data=d):
            when = _beijing(d.expired_at)
            return [
                _to_owner(
                    event,
                    ("签署已过期", f"签署邀请已于 {when}（北京时间）过期，请重新发起"),
                    (
                        "Signing expired",
                        f"The invitation expired at {when} (Beijing time); send a new one",
                    ),
                    d.contract_id,
                    d.owner_id,
                )
            ]
        case Completed(data=d):
            return [
                _to_owner(
                    event,
                    ("合同已签章完成", "双方签章完成，可下载已签署文件"),
                    (
                        "Contract signed",
                        "Every party has signed; the signed file can be downloaded",
                    ),
                    d.contract_id,
                    d.owner_id,
                )
            ]
    return letter_messages(event)
