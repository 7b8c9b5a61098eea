"""What a reviewer must confirm for a round, and which rejection reasons are allowed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lexseal_events import ContractSubmittedData
from servicekit.domain import Invalid

# Labels of the reason codes lexseal ships with; a configured code without a label shows its code.
REASON_LABELS: dict[str, tuple[str, str]] = {
    "document_incomplete": ("合同文件不完整", "The document is incomplete"),
    "document_scanned": ("合同为纸质盖章后扫描件", "The document is a scan of a sealed paper copy"),
    "signer_identity_wrong": ("签署方身份信息有误", "A signer's identity data is wrong"),
    "bank_account_wrong": ("企业对公账户信息有误", "An enterprise's bank account is wrong"),
    "amount_wrong": ("合同金额有误", "The amount is wrong"),
    "other": ("其他", "Other"),
}


@dataclass(frozen=True)
class ChecklistItem:
    """One thing the reviewer confirms is correct and complete."""

    key: str
    label_zh: str
    label_en: str
    warning: str | None = None


def checklist_for(data: ContractSubmittedData) -> list[ChecklistItem]:
    """Return what a reviewer confirms: document, fields, each signer, bank accounts."""
    warning = None
    if data.scan_warning is not None:
        pages = ", ".join(str(p) for p in data.scan_warning.pages)
        warning = f"{data.scan_warning.reason} (pages {pages})"
    items = [
        ChecklistItem(
            "document", "合同文件完整、正确", "The document is complete and correct", warning
        ),
        ChecklistItem(
            "application",
            "合同名称、类型、委托人、金额正确",
            "Title, type, client and amount are correct",
        ),
    ]
    for s in sorted(data.signers, key=lambda s: (s.order, s.signer_id)):
        items.append(
            ChecklistItem(
                f"signer:{s.signer_id}:identity",
                f"签署方「{s.name}」身份信息正确",
                f"Identity data of signer {s.name} is correct",
            )
        )
        if s.kind == "enterprise":
            items.append(
                ChecklistItem(
                    f"signer:{s.signer_id}:bank_account",
                    f"企业「{s.name}」对公账户信息正确（用于小额打款验证）",
                    f"Corporate bank account of {s.name} is correct (used for the micro-deposit)",
                )
            )
    return items


def check_confirmations(items: Sequence[ChecklistItem], confirmed: Iterable[str]) -> None:
    """Refuse an approval unless every checklist item, and nothing else, is confirmed."""
    keys = {i.key for i in items}
    given = set(confirmed)
    unknown = sorted(given - keys)
    if unknown:
        raise Invalid(
            "Unknown checklist items",
            "存在未知的核对项",
            code="unknown_checklist_item",
            details={"unknown": unknown},
        )
    missing = [i.key for i in items if i.key not in given]
    if missing:
        raise Invalid(
            "Confirm every checklist item before approving",
            "请先逐项核对确认后再审核通过",
            code="checklist_incomplete",
            details={"missing": missing},
        )


def check_reasons(
    reasons: Sequence[str], *, allowed: Sequence[str], comment: str | None
) -> list[str]:
    """Return the rejection reasons deduplicated, refusing unknown codes and a bare 'other'."""
    unique = list(dict.fromkeys(reasons))
    if not unique:
        raise Invalid(
            "Give at least one reason",
            "请至少选择一项退回原因",
            code="reason_required",
        )
    unknown = [r for r in unique if r not in allowed]
    if unknown:
        raise Invalid(
            "Unknown reason codes",
            "退回原因代码无效",
            code="unknown_reason_code",
            details={"unknown": unknown},
        )
    if "other" in unique and not (comment or "").strip():
        raise Invalid(
            "Explain the 'other' reason in the comment",
            "选择“其他”时请填写说明",
            code="comment_required",
        )
    return unique


def reason_label(code: str) -> tuple[str, str]:
    """Return the (zh, en) label of a reason code."""
    return REASON_LABELS.get(code, (code, code))
