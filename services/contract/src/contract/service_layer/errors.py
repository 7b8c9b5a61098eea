"""The contract service's business errors: stable codes, messages in Chinese and English."""

from __future__ import annotations

from typing import Any

from servicekit.errors import AppError, Conflict, Invalid, NotFound

from ..domain.signers import SignerInvalid
from ..domain.status import Action, TransitionRefused

_ACTION_ZH = {
    Action.EDIT: "修改",
    Action.SUBMIT: "提交",
    Action.WITHDRAW: "撤回",
}


class ContractNotFound(NotFound):
    code = "contract_not_found"
    message_zh = "合同申请不存在"
    message_en = "Contract application not found"


class SignerNotFound(NotFound):
    code = "signer_not_found"
    message_zh = "签章人不存在"
    message_en = "Signer not found"


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_zh = "文件不存在"
    message_en = "Document not found"


class PageNotFound(NotFound):
    code = "page_not_found"
    message_zh = "该页不存在"
    message_en = "No such page"


class DocumentRequired(Conflict):
    code = "document_required"
    message_zh = "请先上传合同文件"
    message_en = "Upload the contract document first"


class SignersRequired(Conflict):
    code = "signers_required"
    message_zh = "请至少添加一位签章人"
    message_en = "Add at least one signer first"


class AmountInvalidError(Invalid):
    code = "amount_invalid"
    message_zh = "金额须为不小于零、最多两位小数的人民币数额"
    message_en = "The amount must be a non-negative CNY value with at most two decimals"


class UploadInvalid(Invalid):
    code = "upload_invalid"
    message_zh = "请以 multipart/form-data 在 file 字段上传文件"
    message_en = "Upload the file as multipart/form-data in the field 'file'"


class UploadTooLarge(AppError):
    status_code = 413
    code = "pdf_too_large"
    message_zh = "文件超过大小上限。"
    message_en = "The file is larger than the upload limit."


class SignedDocumentMissing(Conflict):
    code = "signed_document_unavailable"
    message_zh = "合同尚未完成签署，暂无已签署文件"
    message_en = "The contract is not signed yet"


def state_conflict(exc: TransitionRefused) -> Conflict:
    """Return the error a refused user action answers with."""
    verb = _ACTION_ZH.get(exc.action, str(exc.action))
    return Conflict(
        f"Cannot {exc.action} an application that is {exc.status}",
        f"当前状态（{exc.status}）不允许{verb}",
        code="invalid_status",
        details={"action": str(exc.action), "status": str(exc.status)},
    )


# the names the lawyer sees on the form, for the message that lists the fields to fix
_FIELD_ZH = {
    "kind": "签署方类型",
    "name": "姓名/名称",
    "id_number": "证件号码",
    "mobile": "手机号",
    "legal_representative": "法定代表人",
    "operator_name": "经办人",
    "operator_mobile": "经办人手机号",
    "bank_account_name": "开户名",
    "bank_account_number": "对公账号",
    "bank_name": "开户银行",
}


def signer_invalid(exc: SignerInvalid) -> Invalid:
    """Return the error invalid signer details answer with, one entry per field."""
    details: list[dict[str, Any]] = [
        {"field": e.field, "code": e.code, "message": e.message} for e in exc.errors
    ]
    return Invalid(
        "Signer details are incomplete or invalid: " + ", ".join(e.field for e in exc.errors),
        "签章人信息不完整或有误：" + "、".join(_FIELD_ZH.get(e.field, e.field) for e in exc.errors),
        code="signer_invalid",
        details=details,
    )
