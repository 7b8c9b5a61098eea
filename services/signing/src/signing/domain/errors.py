"""Business errors of the signing service: DomainError kinds with stable codes, HTTP statuses
and messages in Chinese and English; the kit renders them in the caller's language."""

from __future__ import annotations

# the kinds, re-exported: a one-off with this case's words is raised as `errors.Invalid(...)`
from servicekit.domain import Conflict as Conflict
from servicekit.domain import DomainError as DomainError
from servicekit.domain import Forbidden as Forbidden
from servicekit.domain import Invalid as Invalid
from servicekit.domain import NotFound as NotFound
from servicekit.domain import Unavailable as Unavailable


class TooManyRequests(DomainError):
    status_code = 429
    code = "rate_limited"
    message_zh = "请求过于频繁"
    message_en = "Too many requests"


class InvitationVoided(Conflict):
    code = "invitation_voided"
    message_en = "This invitation was replaced by a newer one"
    message_zh = "此邀请已被新的邀请替代"


class EnvelopeNotCompleted(Conflict):
    code = "envelope_not_completed"
    message_en = "Evidence is available once every signature is in"
    message_zh = "全部签章完成后方可下载证据包"


class OwnerOnly(Forbidden):
    code = "owner_only"
    message_en = "Only the lawyer who owns the contract can invite signers"
    message_zh = "仅合同所属律师可发起邀请"


class SignerAlreadySigned(Conflict):
    code = "signer_already_signed"
    message_en = "This signer has already signed"
    message_zh = "该签章人已签章"


class InvitationExpired(Conflict):
    code = "invitation_expired"
    message_en = "This link has expired; ask the lawyer for a new one"
    message_zh = "此链接已过期，请联系律师重新邀请"


class TimestampUnavailable(Unavailable):
    code = "timestamp_unavailable"
    message_en = "The timestamp authority is unreachable; nothing was signed, retry later"
    message_zh = "时间戳服务不可用，未做任何签署，请稍后重试"


class CertificateRevoked(Conflict):
    code = "certificate_revoked"
    message_en = "The signing certificate was revoked; nothing was signed"
    message_zh = "签章证书已被吊销，未做任何签署"


class DocumentMissing(Conflict):
    code = "document_missing"
    message_en = "The envelope's document is missing"
    message_zh = "签署文件缺失"


class SignatureUploadNotAllowed(Conflict):
    code = "signature_upload_not_allowed"
    message_en = "Only an individual who has not signed can upload a drawn signature"
    message_zh = "仅未签署的个人签章人可上传手写签名"


class SignaturePngInvalid(Invalid):
    code = "signature_png_invalid"
    message_en = "Upload a PNG image under 512 KB"
    message_zh = "请上传 512 KB 以内的 PNG 图片"


class IdentityNotVerified(Forbidden):
    code = "identity_not_verified"
    message_en = "Verify your identity before signing"
    message_zh = "请先完成身份认证再签署"


class RiskControlOnly(Forbidden):
    code = "risk_control_only"
    message_en = "Only risk control signs for the firm"
    message_zh = "仅风控人员可代表律所签章"


class OwnerCannotFirmSign(Forbidden):
    code = "owner_cannot_firm_sign"
    message_en = "You own this contract; another risk-control member must sign for the firm"
    message_zh = "您是该合同的经办律师，须由其他风控人员代表律所签章"


class IdCheckFirst(Conflict):
    code = "id_check_first"
    message_en = "Enter your name, ID number and mobile number first"
    message_zh = "请先填写姓名、身份证号码和手机号"


class FaceCheckUnavailable(Unavailable):
    code = "face_check_unavailable"
    message_en = "The face check service is unavailable; try again shortly"
    message_zh = "人脸识别服务暂不可用，请稍后重试"


class FaceCallbackRejected(Forbidden):
    code = "face_callback_rejected"
    message_en = "The callback's signature does not check"
    message_zh = "人脸识别回调签名无效"


class IdentityMismatch(Invalid):
    code = "identity_mismatch"
    message_en = (
        "The details do not match the signer the lawyer entered; check them or ask the lawyer"
    )
    message_zh = "填写的信息与律师登记的签章人不一致，请核对或联系律师"


class MobileRequired(Invalid):
    code = "mobile_required"
    message_en = "Enter your mobile number"
    message_zh = "请填写手机号"


class AlreadyVerified(Conflict):
    code = "already_verified"
    message_en = "Identity already verified"
    message_zh = "身份已认证"


class MobileInvalid(Invalid):
    code = "mobile_invalid"
    message_en = "The mobile number is not valid: 11 digits starting with 1"
    message_zh = "手机号无效：应为 1 开头的 11 位数字"


class EnterpriseDetailsFirst(Conflict):
    code = "enterprise_details_first"
    message_en = "Enter the company's details first"
    message_zh = "请先填写企业实名信息"


class DepositNotRequested(Conflict):
    code = "deposit_not_requested"
    message_en = "Request an amount first"
    message_zh = "请先申请打款"


class DepositVoided(Conflict):
    code = "deposit_voided"
    message_en = "This amount is void; request a new one"
    message_zh = "该笔打款已作废，请重新申请打款"


class DepositExpired(Conflict):
    code = "deposit_expired"
    message_en = "The amount has expired (7 days); request a new one"
    message_zh = "打款金额已过期（7天），请重新申请打款"


class BankTransferUnavailable(Unavailable):
    code = "bank_transfer_unavailable"
    message_en = "The bank transfer service is unavailable; try again shortly"
    message_zh = "打款服务暂不可用，请稍后重试"


class SerialAmbiguous(Conflict):
    code = "serial_ambiguous"
    message_en = "Several certificates carry this serial number"
    message_zh = "多张证书使用该序列号"


class CertificateAlreadyRevoked(Conflict):
    code = "certificate_already_revoked"
    message_en = "This certificate is already revoked"
    message_zh = "该证书已被吊销"


class SerialInvalid(Invalid):
    code = "serial_invalid"
    message_en = "The serial number must be hexadecimal"
    message_zh = "证书序列号须为十六进制"


class InvalidityDateInvalid(Invalid):
    code = "invalidity_date_invalid"
    message_en = "The invalidity date needs a time zone"
    message_zh = "失效时间须带时区"


class MobileMissing(Conflict):
    code = "mobile_missing"
    message_en = "No mobile number is on file for this signer; ask the lawyer to add it"
    message_zh = "律师未登记该签章人的手机号，无法发送验证码，请联系律师"


class IntentCodeNotRequested(Conflict):
    code = "intent_code_not_requested"
    message_en = "Request a code first"
    message_zh = "请先获取短信验证码"


class IntentCodeVoided(Conflict):
    code = "intent_code_voided"
    message_en = "Too many wrong entries: this code is void; request a new one"
    message_zh = "验证码输错次数过多，已失效，请重新获取"


class IntentCodeExpired(Conflict):
    code = "intent_code_expired"
    message_en = "The code has expired (5 minutes); request a new one"
    message_zh = "验证码已过期（5 分钟），请重新获取"


class IntentNotConfirmed(Forbidden):
    code = "intent_not_confirmed"
    message_en = "Confirm your intent to sign with the SMS code first"
    message_zh = "请先输入短信验证码完成意愿认证"


class IntentCodeWrong(Invalid):
    code = "intent_code_wrong"
    message_en = "Wrong code"
    message_zh = "验证码不正确"


class PageTooLarge(Invalid):
    code = "page_too_large"
    message_en = "This page is too large to show"
    message_zh = "页面尺寸过大"


class PageRenderFailed(Invalid):
    code = "page_render_failed"
    message_en = "This page cannot be shown"
    message_zh = "该页无法显示"


class InvitationNotLive(Conflict):
    code = "invitation_not_live"
    message_en = "This link was replaced or has expired: invite the signer again"
    message_zh = "该链接已被替代或已过期，请重新邀请"


class DepositAmountFormat(Invalid):
    code = "deposit_amount_format"
    message_en = "Enter the amount in yuan, e.g. 0.37"
    message_zh = "请按元填写金额，例如 0.37"


class AssetNotFound(NotFound):
    code = "asset_not_found"
    message_en = "asset not found"
    message_zh = "对象不存在或无权查看"


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    message_en = "certificate not found"
    message_zh = "对象不存在或无权查看"


class CrlNotFound(NotFound):
    code = "crl_not_found"
    message_en = "crl not found"
    message_zh = "对象不存在或无权查看"


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_en = "document not found"
    message_zh = "对象不存在或无权查看"


class EnvelopeNotFound(NotFound):
    code = "envelope_not_found"
    message_en = "envelope not found"
    message_zh = "对象不存在或无权查看"


class FaceCallbackReplayed(Conflict):
    code = "face_callback_replayed"
    # the same result again is acknowledged (a provider's retry); only a different one is this
    message_en = "This face check has already been answered with a different result"
    message_zh = "该人脸识别已有不同的结果，不能更改"


class FaceSessionNotFound(NotFound):
    code = "face_session_not_found"
    message_en = "face_session not found"
    message_zh = "对象不存在或无权查看"


class FormatNotFound(NotFound):
    code = "format_not_found"
    message_en = "format not found"
    message_zh = "对象不存在或无权查看"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message_en = "invitation not found"
    message_zh = "对象不存在或无权查看"


class PageNotFound(NotFound):
    code = "page_not_found"
    message_en = "page not found"
    message_zh = "对象不存在或无权查看"


class SandboxNotFound(NotFound):
    code = "sandbox_not_found"
    message_en = "sandbox not found"
    message_zh = "对象不存在或无权查看"


class SignerNotFound(NotFound):
    code = "signer_not_found"
    message_en = "signer not found"
    message_zh = "对象不存在或无权查看"


class IntentCodeVoidedByEntries(IntentCodeVoided):
    message_en = "Five wrong entries: this code is void; request a new one"
    message_zh = "验证码输错 5 次，已失效，请重新获取"

    def __init__(self) -> None:
        super().__init__(details={"attempts_left": 0})


class IntentCodeWrongLeft(IntentCodeWrong):
    """A wrong code, with the entries left."""

    def __init__(self, left: int) -> None:
        super().__init__(
            f"Wrong code; {left} attempt(s) left",
            f"验证码不正确，还可输入 {left} 次",
            details={"attempts_left": left},
        )


class DepositVoidedByEntries(DepositVoided):
    message_en = "Three wrong entries: the amount is void; request a new one"
    message_zh = "金额输错 3 次，该笔打款已作废，请重新申请打款"

    def __init__(self) -> None:
        super().__init__(details={"attempts_left": 0})


class DepositWrongAmount(Invalid):
    code = "deposit_wrong_amount"

    def __init__(self, left: int) -> None:
        super().__init__(
            f"Wrong amount; {left} attempt(s) left",
            f"金额不正确，还可输入 {left} 次",
            details={"attempts_left": left},
        )
