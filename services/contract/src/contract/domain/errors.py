"""The contract service's refusals: stable codes, HTTP statuses, messages in Chinese and English.

Each is a `servicekit.domain.DomainError` kind, raised bare where its rule lives; the kit
renders it in the caller's language. The refusals with their own data live beside their
rules: `status.TransitionRefused`, `signers.SignerInvalid`, `amounts.AmountInvalid`.
"""

from __future__ import annotations

from servicekit.domain import Conflict, DomainError, Invalid, NotFound


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


class UploadInvalid(Invalid):
    code = "upload_invalid"
    message_zh = "请以 multipart/form-data 在 file 字段上传文件"
    message_en = "Upload the file as multipart/form-data in the field 'file'"


class UploadTooLarge(DomainError):
    status_code = 413
    code = "pdf_too_large"
    message_zh = "文件超过大小上限。"
    message_en = "The file is larger than the upload limit."


class SignedDocumentMissing(Conflict):
    code = "signed_document_unavailable"
    message_zh = "合同尚未完成签署，暂无已签署文件"
    message_en = "The contract is not signed yet"


class CursorInvalid(Invalid):
    code = "cursor_invalid"
    message_zh = "分页游标无效"
    message_en = "Invalid cursor"
