"""Business rule violations, each with a stable code, an HTTP status and zh/en messages.

Every one is a `DomainError`: servicekit renders it as `{"error": {...}}` in the caller's
language; nothing here or in the routes handles it.
"""

from __future__ import annotations

from servicekit.domain import DomainError


class LetterRuleError(DomainError):
    """A letter rule refused an action (raise a kind below, with `details=` when useful)."""

    code = "letter_rule"
    status_code = 409
    message_zh = "当前状态不允许此操作"
    message_en = "This action is not allowed in the current state"


class InvalidTransition(LetterRuleError):
    code = "letter_invalid_transition"
    message_zh = "函件当前状态不允许此操作"
    message_en = "The letter's current status does not allow this action"


class NotEditable(LetterRuleError):
    code = "letter_not_editable"
    message_zh = "函件已提交或已审批，不能修改"
    message_en = "The letter can only be edited as a draft, or after rejection or withdrawal"


class LetterDateInPast(LetterRuleError):
    code = "letter_date_in_past"
    status_code = 422
    message_zh = "出函日期不能早于今天"
    message_en = "The letter date cannot be earlier than today"


class LetterIncomplete(LetterRuleError):
    code = "letter_incomplete"
    status_code = 422
    message_zh = "函件信息不完整，不能提交"
    message_en = "The letter is incomplete and cannot be submitted"


class DeliveryNotForElectronic(LetterRuleError):
    code = "delivery_not_for_electronic"
    status_code = 422
    message_zh = "电子所函无需选择领取方式"
    message_en = "Electronic letters have no delivery method"


class MailRecipientNotApplicant(LetterRuleError):
    code = "mail_recipient_not_applicant"
    status_code = 403
    message_zh = "纸质所函只能邮寄给申请律师本人"
    message_en = "A paper letter can only be mailed to the applying lawyer"


class MailAddressRequired(LetterRuleError):
    code = "mail_address_required"
    status_code = 422
    message_zh = "邮寄需要收件地址，请先在地址簿中添加地址"
    message_en = "Mailing needs a delivery address: add one to your address book"


class SelfApprovalForbidden(LetterRuleError):
    code = "self_approval_forbidden"
    status_code = 403
    message_zh = "不能审批自己申请的函件"
    message_en = "Nobody may approve their own letter"


class RejectionReasonRequired(LetterRuleError):
    code = "rejection_reason_required"
    status_code = 422
    message_zh = "驳回时必须填写原因"
    message_en = "A rejection needs a reason"


class WrongDeliveryMethod(LetterRuleError):
    code = "letter_wrong_delivery_method"
    message_zh = "该步骤与函件的领取方式不符"
    message_en = "This step does not match the letter's delivery method"


class TrackingRequired(LetterRuleError):
    code = "tracking_required"
    status_code = 422
    message_zh = "邮寄需要填写快递公司和快递单号"
    message_en = "Mailing needs the courier company and the tracking number"


class NotSealed(LetterRuleError):
    code = "letter_not_sealed"
    message_zh = "函件尚未加盖电子印章，不能分享或下载"
    message_en = "The letter is not sealed yet, so it cannot be shared or downloaded"


class ShareUnavailable(LetterRuleError):
    code = "share_unavailable"
    status_code = 404
    message_zh = "分享链接不存在、已失效或已撤销"
    message_en = "The share link does not exist, has expired or was revoked"


class PageOutOfRange(LetterRuleError):
    code = "page_out_of_range"
    status_code = 404
    message_zh = "页码超出范围"
    message_en = "No such page"
